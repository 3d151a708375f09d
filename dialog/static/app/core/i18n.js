// Strings and formats. The server renders the page in one language and hands this module its
// strings (gettext, dialog/webapp/strings.py) in <html data-strings>: no inline script, no extra request.
const root = document.documentElement;
export const LANG = root.lang === "en" ? "en" : "de";
const STRINGS = JSON.parse(root.dataset.strings || "{}");
const LOCALE = LANG === "de" ? "de-DE" : "en-GB";
export const ZONE = "Europe/Berlin";  // the programme's deadlines are Berlin time, whatever the browser's zone

/** The string `key` with its %(name)s placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = STRINGS[key] ?? key;
  return text.replace(/%\((\w+)\)s/g, (_, name) => String(vars[name] ?? ""));
}

/** Multilingual text ({"de": ..., "en": ...}) in the page's language, else any language it has. */
export function pick(multi) {
  if (multi == null) return "";
  if (typeof multi === "string") return multi;
  return multi[LANG] || Object.values(multi).find(Boolean) || "";
}

const dateTime = new Intl.DateTimeFormat(LOCALE, {dateStyle: "medium", timeStyle: "short", timeZone: ZONE});
const dateOnly = new Intl.DateTimeFormat(LOCALE, {dateStyle: "long", timeZone: ZONE});

/** A UTC ISO time as Berlin date and time, minutes only. */
export function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : "";
}

/** A UTC ISO time as a Berlin date. */
export function day(iso) {
  return iso ? dateOnly.format(new Date(iso)) : "";
}

/** How long until `iso`, in words ("3 d 4 h left"); null once it has passed. */
export function timeLeft(iso, now = Date.now()) {
  const ms = new Date(iso).getTime() - now;
  if (!(ms > 0)) return null;
  const minutes = Math.floor(ms / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return t("days_left", {days, hours});
  if (hours > 0) return t("hours_left", {hours, minutes: minutes % 60});
  return t("minutes_left", {minutes: Math.max(minutes, 1)});
}

const parts = (date) => Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
}).formatToParts(date).map((part) => [part.type, part.value]));

/** A datetime-local value read as Berlin time → a UTC ISO time (the browser's own zone does not count). */
export function berlinToISO(local) {
  const asUTC = new Date(`${local}:00Z`);
  const p = parts(asUTC);
  const shown = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute);
  return new Date(asUTC.getTime() - (shown - asUTC.getTime())).toISOString();
}

/** A UTC ISO time → the datetime-local value of its Berlin time. */
export function isoToBerlin(iso) {
  if (!iso) return "";
  const p = parts(new Date(iso));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}
