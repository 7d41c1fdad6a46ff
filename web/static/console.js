// hitd requester console: progressive enhancements only; every page works
// without this script.
"use strict";
