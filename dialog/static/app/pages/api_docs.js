// /api/docs: Swagger UI (vendored, served by us) on our OpenAPI document.
import {boot} from "../core/shell.js";

const target = document.getElementById("swagger");
// validatorUrl null: Swagger UI would otherwise ask an outside validator about the document.
window.SwaggerUIBundle({domNode: target, url: target.dataset.spec, validatorUrl: null, deepLinking: false,
                        tryItOutEnabled: false, withCredentials: true});
boot();
