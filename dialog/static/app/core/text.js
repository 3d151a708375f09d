// What members type is plain text: it becomes escaped paragraphs of HTML for the API (which cleans
// every body again with nh3), and @handles stay as typed (the server finds the mentions).

function escape(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Plain text → the HTML body of a post: paragraphs on blank lines, <br> on single newlines. */
export function bodyHTML(text) {
  return text.trim().split(/\n{2,}/).map((paragraph) => `<p>${escape(paragraph).replace(/\n/g, "<br>")}</p>`).join("");
}

/** A post's HTML body back to the plain text its author edits. */
export function bodyText(html) {
  const doc = new DOMParser().parseFromString(`<body>${html || ""}</body>`, "text/html");
  doc.querySelectorAll("br").forEach((br) => br.replaceWith("\n"));
  return [...doc.body.children].length
    ? [...doc.body.children].map((element) => element.textContent).join("\n\n")
    : doc.body.textContent;
}
