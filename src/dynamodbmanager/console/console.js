// The console's behaviour: list, filter, open, edit, create, duplicate and delete items through /items.
// Plain script, no build step; numbers stay the exact JSON text the API sent (DynamoDB holds 38 digits).
"use strict";

(() => {
  // ---- Exact JSON: objects as Maps (the API's key order), numbers as their JSON text. ----

  /** A JSON number kept as the text the API wrote, never rounded through a float. */
  class ExactNumber {
    constructor(text) {
      this.text = text;
    }
  }

  const WHITESPACE = " \t\n\r";
  const NUMBER_CHARS = "+-0123456789.eE";

  /** Parse JSON text; the browser's parser validates first, so its error messages reach the user. */
  function parseExact(text) {
    JSON.parse(text);
    let at = 0;
    const skip = () => {
      while (at < text.length && WHITESPACE.includes(text[at])) at += 1;
    };
    const string = () => {
      const start = at;
      at += 1;
      while (text[at] !== '"') at += text[at] === "\\" ? 2 : 1;
      at += 1;
      return JSON.parse(text.slice(start, at));
    };
    const value = () => {
      skip();
      const head = text[at];
      if (head === "{") {
        at += 1;
        const object = new Map();
        skip();
        if (text[at] === "}") {
          at += 1;
          return object;
        }
        for (;;) {
          skip();
          const key = string();
          skip();
          at += 1; // the colon
          object.set(key, value());
          skip();
          if (text[at++] === "}") return object;
        }
      }
      if (head === "[") {
        at += 1;
        const array = [];
        skip();
        if (text[at] === "]") {
          at += 1;
          return array;
        }
        for (;;) {
          array.push(value());
          skip();
          if (text[at++] === "]") return array;
        }
      }
      if (head === '"') return string();
      for (const [word, constant] of [["true", true], ["false", false], ["null", null]]) {
        if (text.startsWith(word, at)) {
          at += word.length;
          return constant;
        }
      }
      const start = at;
      while (at < text.length && NUMBER_CHARS.includes(text[at])) at += 1;
      return new ExactNumber(text.slice(start, at));
    };
    return value();
  }

  /** JSON text of a parsed value: indented by two spaces, or compact on one line when `compact`. */
  function stringifyExact(value, compact = false, indent = "") {
    if (value instanceof ExactNumber) return value.text;
    const inner = indent + "  ";
    const open = compact ? "" : "\n" + inner;
    const close = compact ? "" : "\n" + indent;
    const separator = compact ? "," : ",\n" + inner;
    if (value instanceof Map) {
      if (value.size === 0) return "{}";
      const members = [...value].map(
        ([key, member]) => JSON.stringify(key) + (compact ? ":" : ": ") + stringifyExact(member, compact, inner),
      );
      return "{" + open + members.join(separator) + close + "}";
    }
    if (Array.isArray(value)) {
      if (value.length === 0) return "[]";
      return "[" + open + value.map((member) => stringifyExact(member, compact, inner)).join(separator) + close + "]";
    }
    return JSON.stringify(value);
  }

  /** How a value reads in a table cell: strings bare, everything else as compact JSON. */
  function cellText(value) {
    return typeof value === "string" ? value : stringifyExact(value, true);
  }

  // ---- The API of the same origin, under the stage prefix the page was loaded from. ----

  const API_BASE = location.pathname.replace(/\/console\/?$/, "");
  const KEY_STORAGE = "dynamodbmanager.apiKey";
  const VERSION = "_version";

  /** A refusal from the API, the gateway in front of it, or the network. */
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  function errorOf(response, text) {
    let body = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    if (body && body.error && typeof body.error.message === "string") {
      return new ApiError(response.status, body.error.code || "Error", body.error.message);
    }
    // API Gateway answers for itself with {"message": ...}: a missing or wrong key, throttling, a failed function.
    const message = body && typeof body.message === "string" ? body.message : response.statusText || "No message";
    const hint = response.status === 403 ? " Enter a valid API key above." : "";
    return new ApiError(response.status, "Gateway", message + "." + hint);
  }

  async function request(method, path, { body, headers = {} } = {}) {
    const sent = new Headers(headers);
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) sent.set("x-api-key", key);
    if (body !== undefined) sent.set("Content-Type", "application/json");
    let response;
    try {
      response = await fetch(API_BASE + path, { method, headers: sent, body, cache: "no-store" });
    } catch (error) {
      throw new ApiError(0, "NetworkError", `The API could not be reached (${error.message}).`);
    }
    const text = await response.text();
    if (!response.ok) throw errorOf(response, text);
    return { status: response.status, etag: response.headers.get("ETag"), text };
  }

  const itemPath = (id) => `/items/${encodeURIComponent(id)}`;

  // ---- The page's elements and state. ----

  const $ = (id) => document.getElementById(id);
  const ui = {
    serviceInfo: $("service-info"),
    apiKey: $("api-key"),
    message: $("message"),
    messageText: $("message-text"),
    filter: $("filter"),
    pageSize: $("page-size"),
    count: $("count"),
    columnsNote: $("columns-note"),
    head: $("items-head"),
    body: $("items-body"),
    table: $("items-table"),
    prev: $("prev-page"),
    next: $("next-page"),
    pageLabel: $("page-label"),
    layout: $("layout"),
    editor: $("editor"),
    editorTitle: $("editor-title"),
    editorMeta: $("editor-meta"),
    json: $("item-json"),
    jsonStatus: $("json-status"),
    conflict: $("conflict"),
    conflictText: $("conflict-text"),
    conflictOverwrite: $("conflict-overwrite"),
    save: $("save"),
    duplicate: $("duplicate"),
    remove: $("delete"),
    confirm: $("confirm"),
    confirmText: $("confirm-text"),
    confirmOk: $("confirm-ok"),
  };
  const MAX_COLUMNS = 8;

  const state = {
    cursors: [null], // cursors[n] opens page n+1; null is the first page
    page: 0,
    nextCursor: null,
    items: [], // Maps, in the API's order
    ticket: 0, // the latest page load; answers to earlier ones are dropped
    // The editor: "edit" an existing item (id, etag) or "create" a new one; pristine is the text as loaded.
    mode: null,
    id: null,
    etag: null,
    pristine: "",
    pending: null, // "save" or "delete" while a conflict waits for a decision
  };

  // ---- Messages. ----

  function say(text, kind = "ok") {
    ui.messageText.textContent = text;
    ui.message.dataset.kind = kind;
    ui.message.hidden = false;
  }

  function sayError(error) {
    if (error instanceof ApiError) {
      const status = error.status ? `${error.status} ` : "";
      say(`${status}${error.code}: ${error.message}`, "error");
    } else {
      say(String(error && error.message ? error.message : error), "error");
    }
  }

  function quiet() {
    ui.message.hidden = true;
  }

  /** Ask a yes/no question in the page's dialog; resolves true for the confirming button. */
  function ask(text, okLabel) {
    ui.confirmText.textContent = text;
    ui.confirmOk.textContent = okLabel;
    return new Promise((resolve) => {
      const done = (answer) => {
        ui.confirm.removeEventListener("close", onClose);
        resolve(answer);
      };
      const onClose = () => done(ui.confirm.returnValue === "ok");
      ui.confirm.returnValue = "";
      ui.confirm.addEventListener("close", onClose);
      ui.confirm.showModal();
      $("confirm-cancel").focus();
    });
  }

  // ---- The table. ----

  function columnsOf(items) {
    const seen = new Map();
    for (const item of items) {
      for (const name of item.keys()) seen.set(name, (seen.get(name) || 0) + 1);
    }
    seen.delete("id");
    seen.delete(VERSION);
    const names = [...seen].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
    const shown = names.slice(0, MAX_COLUMNS - 1);
    return { columns: ["id", ...shown, VERSION], hidden: names.length - shown.length };
  }

  /** The test a filter puts items to: `name=value` when the page has that attribute, else id prefix or value. */
  function matcher(filter) {
    if (!filter) return () => true;
    const equals = filter.indexOf("=");
    const name = filter.slice(0, equals).trim();
    if (equals > 0 && state.items.some((item) => item.has(name))) {
      const wanted = filter.slice(equals + 1).trim().toLowerCase();
      return (item) => item.has(name) && cellText(item.get(name)).toLowerCase() === wanted;
    }
    const wanted = filter.toLowerCase();
    const valueMatches = ([attribute, value]) =>
      attribute !== "id" && attribute !== VERSION && cellText(value).toLowerCase().includes(wanted);
    return (item) => String(item.get("id")).toLowerCase().startsWith(wanted) || [...item].some(valueMatches);
  }

  function render() {
    const filter = ui.filter.value.trim();
    const shown = state.items.filter(matcher(filter));
    const { columns, hidden } = columnsOf(shown); // a filter brings its items' own attributes into view
    ui.head.replaceChildren(
      ...columns.map((name) => {
        const th = document.createElement("th");
        th.scope = "col";
        th.textContent = name === VERSION ? "version" : name;
        return th;
      }),
    );
    ui.body.replaceChildren(
      ...shown.map((item) => {
        const row = document.createElement("tr");
        const id = item.get("id");
        row.dataset.id = id;
        if (state.mode === "edit" && state.id === id) row.classList.add("selected");
        for (const name of columns) {
          const cell = document.createElement(name === "id" ? "th" : "td");
          if (name === "id") {
            cell.scope = "row";
            const open = document.createElement("button");
            open.type = "button";
            open.className = "link";
            open.textContent = id;
            open.title = `Open ${id}`;
            open.addEventListener("click", () => openItem(id));
            cell.append(open);
          } else if (item.has(name)) {
            const value = item.get(name);
            cell.textContent = cellText(value);
            cell.title = cell.textContent;
            if (value instanceof ExactNumber) cell.classList.add("number");
          } else {
            cell.classList.add("absent");
          }
          row.append(cell);
        }
        return row;
      }),
    );
    const page = `page ${state.page + 1}`;
    ui.count.textContent =
      filter && shown.length !== state.items.length
        ? `Showing ${shown.length} of ${state.items.length} items on ${page} matching “${filter}”`
        : `Showing ${state.items.length} item${state.items.length === 1 ? "" : "s"} on ${page}`;
    ui.columnsNote.textContent = hidden
      ? `· ${hidden} more attribute${hidden === 1 ? "" : "s"} not shown as columns (open an item to see all)`
      : "";
    ui.pageLabel.textContent = `Page ${state.page + 1}`;
    ui.prev.disabled = state.page === 0;
    ui.next.disabled = !state.nextCursor;
  }

  async function loadPage() {
    const ticket = ++state.ticket;
    const cursor = state.cursors[state.page];
    const query = new URLSearchParams({ limit: ui.pageSize.value });
    if (cursor) query.set("cursor", cursor);
    ui.count.textContent = "Loading…";
    ui.columnsNote.textContent = "";
    try {
      const { text } = await request("GET", `/items?${query}`);
      if (ticket !== state.ticket) return; // a later load (another page, a new key) has taken over
      const page = parseExact(text);
      state.items = page.get("items");
      const next = page.get("next_cursor");
      state.nextCursor = typeof next === "string" ? next : null;
      render();
    } catch (error) {
      if (ticket !== state.ticket) return;
      ui.count.textContent = "The items could not be loaded.";
      sayError(error);
    }
  }

  function firstPage() {
    state.cursors = [null];
    state.page = 0;
    return loadPage();
  }

  // ---- The editor. ----

  function showEditor(mode, title, text, meta) {
    state.mode = mode;
    state.pristine = text;
    state.pending = null;
    ui.editorTitle.textContent = title;
    ui.editorMeta.textContent = meta;
    ui.json.value = text;
    ui.conflict.hidden = true;
    ui.duplicate.disabled = mode !== "edit";
    ui.remove.disabled = mode !== "edit";
    ui.save.textContent = mode === "edit" ? "Save" : "Create";
    ui.editor.hidden = false;
    ui.layout.classList.add("editing");
    validate();
    render();
    ui.editorTitle.focus();
    ui.editor.scrollIntoView({ block: "nearest" });
  }

  function closeEditor() {
    const id = state.id;
    state.mode = null;
    state.id = null;
    state.etag = null;
    ui.editor.hidden = true;
    ui.layout.classList.remove("editing");
    render();
    const row = [...ui.body.rows].find((candidate) => candidate.dataset.id === id);
    (row ? row.querySelector("button") : ui.table).focus();
  }

  const dirty = () => state.mode !== null && ui.json.value !== state.pristine;

  async function mayDiscard() {
    if (!dirty()) return true;
    const name = state.mode === "edit" ? `“${state.id}”` : "the new item";
    return ask(`Discard your unsaved changes to ${name}?`, "Discard");
  }

  /** Live validation: the text must be one JSON object; Save waits for it. */
  function validate() {
    let problem = null;
    let item = null;
    try {
      item = parseExact(ui.json.value);
      if (!(item instanceof Map)) problem = "An item is a JSON object: { … }.";
    } catch (error) {
      problem = error.message;
    }
    ui.json.setAttribute("aria-invalid", problem ? "true" : "false");
    ui.jsonStatus.textContent = problem
      ? `Invalid JSON: ${problem}`
      : `Valid JSON object with ${item.size} attribute${item.size === 1 ? "" : "s"}.`;
    ui.jsonStatus.dataset.kind = problem ? "error" : "ok";
    ui.save.disabled = Boolean(problem);
    return problem ? null : item;
  }

  /** The item text for the editor: formatted, without the server-managed version. */
  function editable(item) {
    const copy = new Map(item);
    copy.delete(VERSION);
    return stringifyExact(copy);
  }

  function showItem(id, reply) {
    const item = parseExact(reply.text);
    state.id = id;
    state.etag = reply.etag;
    showEditor("edit", id, editable(item), `Version ${reply.etag}`);
  }

  async function openItem(id) {
    if (!(await mayDiscard())) return;
    quiet();
    try {
      showItem(id, await request("GET", itemPath(id)));
    } catch (error) {
      sayError(error);
    }
  }

  async function newItem(text = '{\n  "id": ""\n}', title = "New item") {
    if (!(await mayDiscard())) return;
    quiet();
    state.id = null;
    state.etag = null;
    showEditor("create", title, text, "Leave out “id” (or leave it empty) to have one generated.");
  }

  function conflictWith(action) {
    state.pending = action;
    ui.conflictText.textContent =
      `Someone else changed “${state.id}” after you opened version ${state.etag}. ` +
      (action === "save"
        ? "Reload it to see their version (your edits are lost), or overwrite it with yours."
        : "Reload it to see their version, or delete it anyway.");
    ui.conflictOverwrite.textContent = action === "save" ? "Overwrite with mine" : "Delete anyway";
    ui.conflict.hidden = false;
    ui.conflictOverwrite.focus();
  }

  async function save({ force = false } = {}) {
    const item = validate();
    if (!item) return;
    quiet();
    if (state.mode === "create") {
      let text = ui.json.value;
      if (item.get("id") === "") {
        item.delete("id"); // an empty id means "generate one"
        text = stringifyExact(item);
      }
      try {
        const reply = await request("POST", "/items", { body: text });
        const created = parseExact(reply.text);
        showItem(created.get("id"), reply);
        say(`Created “${state.id}” at version ${reply.etag}.`);
        await loadPage();
      } catch (error) {
        sayError(error);
      }
      return;
    }
    const headers = {};
    if (force) {
      // Overwrite exactly the version that is there now; if that changes too, the conflict comes back.
      try {
        headers["If-Match"] = (await request("GET", itemPath(state.id))).etag;
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) return sayError(error);
        headers["If-None-Match"] = "*"; // it was deleted meanwhile: create it again
      }
    } else {
      headers["If-Match"] = state.etag;
    }
    try {
      const reply = await request("PUT", itemPath(state.id), { body: ui.json.value, headers });
      showItem(state.id, reply);
      say(`Saved “${state.id}” as version ${reply.etag}.`);
      await loadPage();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) return conflictWith("save");
      sayError(error);
    }
  }

  async function remove({ force = false } = {}) {
    const id = state.id;
    if (!force && !(await ask(`Delete the item “${id}”? This cannot be undone.`, "Delete"))) return;
    quiet();
    try {
      await request("DELETE", itemPath(id), { headers: force ? {} : { "If-Match": state.etag } });
      state.pristine = ui.json.value;
      closeEditor();
      say(`Deleted “${id}”.`);
      await loadPage();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) return conflictWith("delete");
      sayError(error);
    }
  }

  async function reloadItem() {
    state.pristine = ui.json.value; // the user chose to drop their edits
    await openItem(state.id);
  }

  function duplicate() {
    const item = validate();
    if (!item) return;
    const copy = new Map(item);
    copy.delete("id");
    const source = state.id;
    state.pristine = ui.json.value;
    newItem(stringifyExact(copy), `New item (copy of ${source})`);
  }

  // ---- Wiring. ----

  ui.apiKey.value = sessionStorage.getItem(KEY_STORAGE) || "";
  $("use-key").addEventListener("click", () => {
    const key = ui.apiKey.value.trim();
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
    quiet();
    firstPage();
  });
  ui.apiKey.addEventListener("keydown", (event) => {
    if (event.key === "Enter") $("use-key").click();
  });
  $("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORAGE);
    ui.apiKey.value = "";
    say("The API key is forgotten.");
  });
  $("message-close").addEventListener("click", quiet);
  ui.filter.addEventListener("input", render);
  ui.pageSize.addEventListener("change", firstPage);
  $("refresh").addEventListener("click", loadPage);
  $("new-item").addEventListener("click", () => newItem());
  ui.prev.addEventListener("click", () => {
    state.page -= 1;
    loadPage();
  });
  ui.next.addEventListener("click", () => {
    state.cursors[state.page + 1] = state.nextCursor;
    state.page += 1;
    loadPage();
  });
  ui.json.addEventListener("input", validate);
  ui.save.addEventListener("click", () => save());
  ui.duplicate.addEventListener("click", duplicate);
  ui.remove.addEventListener("click", () => remove());
  $("close-editor").addEventListener("click", async () => {
    if (await mayDiscard()) closeEditor();
  });
  $("conflict-reload").addEventListener("click", reloadItem);
  ui.conflictOverwrite.addEventListener("click", () =>
    state.pending === "delete" ? remove({ force: true }) : save({ force: true }),
  );
  $("confirm-cancel").addEventListener("click", () => ui.confirm.close("cancel"));
  ui.confirmOk.addEventListener("click", () => ui.confirm.close("ok"));
  document.addEventListener("keydown", (event) => {
    if (ui.confirm.open) return;
    const inEditor = !ui.editor.hidden && ui.editor.contains(document.activeElement);
    if (inEditor && (event.ctrlKey || event.metaKey) && (event.key === "s" || event.key === "Enter")) {
      event.preventDefault();
      if (!ui.save.disabled) save();
    } else if (inEditor && event.key === "Escape") {
      event.preventDefault();
      $("close-editor").click();
    } else if (event.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
      event.preventDefault();
      ui.filter.focus();
    }
  });

  request("GET", "/health")
    .then(({ text }) => {
      const health = parseExact(text);
      ui.serviceInfo.textContent = `table ${health.get("table")} · ${health.get("version")}`;
    })
    .catch(() => {
      ui.serviceInfo.textContent = "";
    });
  firstPage();
})();
