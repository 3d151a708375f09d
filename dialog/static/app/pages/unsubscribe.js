// The page behind a mail's unsubscribe link: a plain form, nothing to load; only the shell.
import {boot} from "../core/shell.js";

boot();
