// A staff page opened by a member of another role: only the shell (nav, sign-out, badge).
import {boot} from "../core/shell.js";

boot();
