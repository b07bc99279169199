// The console's behaviour: list, query, filter, open, edit, create, duplicate and delete items through the REST API.
// The table's design (GET /table) says how items are keyed: each item is addressed by its whole key, and the query
// bar reads one partition of the table or of an index.
// Plain script, no build step; numbers stay the exact JSON text the API sent (DynamoDB holds 38 digits).
// Items are loaded as DynamoDB JSON (?format=dynamodb), so the console knows every value's type; the plain
// view is derived from it, and a save from either view never changes a type the user did not edit.
"use strict";

(() => {
  // ---- Invisible characters: shown, never obeyed. ----
  // Controls, format characters (bidirectional overrides and isolates, zero-width marks), lone surrogates, and line
  // and paragraph separators have no glyph of their own: "bidi-\u202egnp.exe" would read as "bidi-exe.png".

  const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;
  const codePoint = (char) => "U+" + char.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");

  /** Text with each invisible character written as ⟨U+XXXX⟩, for where no markup can go (a tooltip). */
  const shownText = (text) => String(text).replace(HIDDEN, (char) => `⟨${codePoint(char)}⟩`);

  /** Nodes that show `text` with each invisible character as a marked ⟨U+XXXX⟩; the text itself is not changed. */
  function shownNodes(text) {
    const whole = String(text);
    const nodes = [];
    let at = 0;
    for (const found of whole.matchAll(HIDDEN)) {
      if (found.index > at) nodes.push(whole.slice(at, found.index));
      const mark = document.createElement("span");
      mark.className = "hidden-char";
      mark.textContent = `⟨${codePoint(found[0])}⟩`;
      mark.title = `An invisible character, ${codePoint(found[0])}, shown by its code point`;
      nodes.push(mark);
      at = found.index + found[0].length;
    }
    if (at < whole.length) nodes.push(whole.slice(at));
    return nodes;
  }

  /** Put `text` in `element` as its only content, invisible characters shown. */
  const show = (element, text) => element.replaceChildren(...shownNodes(text));

  /** An invisible character as JSON escapes (one per UTF-16 unit): the same string, visible in the editor. */
  const jsonEscape = (char) =>
    [...Array(char.length).keys()].map((i) => "\\u" + char.charCodeAt(i).toString(16).padStart(4, "0")).join("");

  /** JSON text of a string, a boolean or null; a string's invisible characters escaped. */
  const jsonText = (value) =>
    typeof value === "string" ? JSON.stringify(value).replace(HIDDEN, jsonEscape) : JSON.stringify(value);

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
        ([key, member]) => jsonText(key) + (compact ? ":" : ": ") + stringifyExact(member, compact, inner),
      );
      return "{" + open + members.join(separator) + close + "}";
    }
    if (Array.isArray(value)) {
      if (value.length === 0) return "[]";
      return "[" + open + value.map((member) => stringifyExact(member, compact, inner)).join(separator) + close + "]";
    }
    return jsonText(value);
  }

  /** How a value reads in a table cell: strings bare, everything else as compact JSON. */
  function cellText(value) {
    return typeof value === "string" ? value : stringifyExact(value, true);
  }

  /** Whether two parsed values are the same JSON, key order included. */
  const same = (a, b) => stringifyExact(a, true) === stringifyExact(b, true);

  // ---- DynamoDB JSON: each value a one-member object naming its type, e.g. {"SS": ["a", "b"]}. ----

  const TYPES = ["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"];
  const TYPE_NAMES = {
    S: "a string",
    N: "a number",
    B: "binary",
    BOOL: "a boolean",
    NULL: "null",
    M: "a map",
    L: "a list",
    SS: "a string set",
    NS: "a number set",
    BS: "a binary set",
  };
  /** What each type holds, for the messages about a malformed typed value. */
  const TYPE_CONTENTS = {
    S: 'a string, such as {"S": "text"}',
    N: 'a number in a string, such as {"N": "42"}',
    B: 'standard base64 with padding, such as {"B": "AAE="}',
    BOOL: "true or false",
    NULL: 'true, as in {"NULL": true}',
    M: "an object of typed values",
    L: "a list of typed values",
    SS: 'a list of strings, such as {"SS": ["a", "b"]}',
    NS: 'a list of numbers in strings, such as {"NS": ["1", "2"]}',
    BS: 'a list of base64 texts, such as {"BS": ["AAE="]}',
  };
  /** Types whose plain form reads as another's (a set as a list, binary as a string): the plain view keeps them. */
  const KEPT_TYPES = {
    B: 'in the plain view it stays binary only as base64 text, such as "AAE="',
    SS: "in the plain view it stays one only as a non-empty list of distinct strings",
    NS: "in the plain view it stays one only as a non-empty list of distinct numbers",
    BS: "in the plain view it stays one only as a non-empty list of distinct base64 texts",
  };
  const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
  const isBase64 = (value) => typeof value === "string" && BASE64.test(value);
  const isNumberText = (value) => typeof value === "string" && NUMBER.test(value);

  const typed = (kind, content) => new Map([[kind, content]]);
  const typeOf = (value) => value.keys().next().value;
  const contentOf = (value) => value.values().next().value;

  /** Why a value is not well-formed DynamoDB JSON, or null when it is; sizes and duplicates are the API's to check. */
  function typedProblem(value, path) {
    if (!(value instanceof Map) || value.size !== 1 || !TYPES.includes(typeOf(value))) {
      return `“${path}” must be a typed value with one type, such as {"S": "text"} (types: ${TYPES.join(", ")}).`;
    }
    const kind = typeOf(value);
    const content = contentOf(value);
    const list = Array.isArray(content) ? content : null;
    const fits = {
      S: () => typeof content === "string",
      N: () => isNumberText(content),
      B: () => isBase64(content),
      BOOL: () => typeof content === "boolean",
      NULL: () => content === true,
      M: () => content instanceof Map,
      L: () => list !== null,
      SS: () => list !== null && list.every((member) => typeof member === "string"),
      NS: () => list !== null && list.every(isNumberText),
      BS: () => list !== null && list.every(isBase64),
    }[kind]();
    if (!fits) return `“${path}” (${kind}) must hold ${TYPE_CONTENTS[kind]}.`;
    const members = kind === "M" ? [...content].map(([name, member]) => [`${path}.${name}`, member]) : [];
    if (kind === "L") members.push(...content.map((member, index) => [`${path}[${index}]`, member]));
    for (const [where, member] of members) {
      const problem = typedProblem(member, where);
      if (problem) return problem;
    }
    return null;
  }

  /** A DynamoDB number as JSON number text (DynamoDB may hold ".5" or "007", which JSON does not allow). */
  function jsonNumber(text) {
    const match = /^(-?)(\d*)(?:\.(\d*))?([eE][+-]?\d+)?$/.exec(text);
    if (!match) return text;
    const [, sign, whole, fraction = "", exponent = ""] = match;
    return sign + (whole.replace(/^0+(?=\d)/, "") || "0") + (fraction ? "." + fraction : "") + exponent;
  }

  const byText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const byNumber = (a, b) => Number(a) - Number(b) || byText(a, b);

  /** A typed value's plain form, as the API's plain JSON shows it: a set as a sorted list, binary as base64 text. */
  function plainOf(value) {
    const content = contentOf(value);
    switch (typeOf(value)) {
      case "N":
        return new ExactNumber(jsonNumber(content));
      case "NULL":
        return null;
      case "M":
        return new Map([...content].map(([name, member]) => [name, plainOf(member)]));
      case "L":
        return content.map(plainOf);
      case "SS":
      case "BS":
        return [...content].sort(byText);
      case "NS":
        return [...content].sort(byNumber).map((text) => new ExactNumber(jsonNumber(text)));
      default:
        return content; // S, BOOL, and B as its base64 text
    }
  }

  /** A plain edit the console will not save, because it would change a type plain JSON cannot say. */
  class TypeWouldChange extends Error {}

  /** The typed form plain JSON gives a value (as the API types a plain body): a string is S, a number N, ... */
  function inferred(plain) {
    if (typeof plain === "string") return typed("S", plain);
    if (plain instanceof ExactNumber) return typed("N", plain.text);
    if (typeof plain === "boolean") return typed("BOOL", plain);
    if (plain === null) return typed("NULL", true);
    if (plain instanceof Map) return typed("M", new Map([...plain].map(([name, member]) => [name, inferred(member)])));
    return typed("L", plain.map(inferred));
  }

  /** A set or binary value edited in the plain view, kept of its type; a value that does not fit it is refused. */
  function keptType(kind, plain, path) {
    const distinct = (members) => new Set(members.map((member) => cellText(member))).size === members.length;
    const setOf = (member) => Array.isArray(plain) && plain.length > 0 && plain.every(member) && distinct(plain);
    const fits = {
      B: () => isBase64(plain),
      SS: () => setOf((member) => typeof member === "string"),
      NS: () => setOf((member) => member instanceof ExactNumber),
      BS: () => setOf(isBase64),
    }[kind]();
    if (!fits) {
      throw new TypeWouldChange(
        `“${path}” is ${TYPE_NAMES[kind]} (${kind}); ${KEPT_TYPES[kind]}. ` +
          "Use the DynamoDB JSON view to change its type.",
      );
    }
    if (kind === "B") return typed("B", plain);
    return typed(kind, plain.map((member) => (member instanceof ExactNumber ? member.text : member)));
  }

  /**
   * A plain value typed against `basis`, the typed value it was shown from: what is unchanged keeps its exact
   * typed value, members of maps and lists are compared one by one, and new values are typed as the API would.
   * A set or binary edit that no longer fits its type is refused, or typed as the API would when `lenient`.
   */
  function typedOf(plain, basis, path, lenient = false) {
    if (basis === undefined) return inferred(plain);
    if (same(plain, plainOf(basis))) return basis;
    const kind = typeOf(basis);
    if (kind === "M" && plain instanceof Map) {
      const members = contentOf(basis);
      return typed(
        "M",
        new Map(
          [...plain].map(([name, member]) => [name, typedOf(member, members.get(name), `${path}.${name}`, lenient)]),
        ),
      );
    }
    if (kind === "L" && Array.isArray(plain)) {
      const members = contentOf(basis);
      return typed("L", plain.map((member, index) => typedOf(member, members[index], `${path}[${index}]`, lenient)));
    }
    if (kind in KEPT_TYPES) {
      try {
        return keptType(kind, plain, path);
      } catch (error) {
        if (lenient && error instanceof TypeWouldChange) return inferred(plain);
        throw error;
      }
    }
    return inferred(plain);
  }

  /** A typed item's plain form, attribute by attribute. */
  const plainItem = (item) => new Map([...item].map(([name, value]) => [name, plainOf(value)]));

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

  async function request(method, path, { body, headers = {}, contentType = "application/json" } = {}) {
    const sent = new Headers(headers);
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) sent.set("x-api-key", key);
    if (body !== undefined) sent.set("Content-Type", contentType);
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

  /** Every item request asks for DynamoDB JSON: the console always knows each value's type. */
  const TYPED = "format=dynamodb";
  const MERGE_PATCH = "application/merge-patch+json";

  // ---- The table's design: its key and indexes, as GET /table describes them. ----

  /** The seed's table, assumed until the API has said otherwise (an API without /table serves only it). */
  const DEFAULT_DESIGN = { name: "", key: [{ name: "id", type: "S" }], indexes: [] };
  const KIND_NAMES = { S: "string", N: "number", B: "binary" };

  const keyNames = (attributes = state.design.key) => attributes.map((attribute) => attribute.name);
  /** Whether the API makes the key of a new item that has none: only for a table keyed by a string alone. */
  const generatesKey = () => state.design.key.length === 1 && state.design.key[0].type === "S";
  /** A typed item's key values, in the table's key order (undefined where one is missing). */
  const keyOf = (item) => state.design.key.map(({ name }) => item.get(name));
  /** A typed key value as text: a string as it is, a number's decimal text, binary as its base64. */
  const keyText = (value) => (value instanceof Map ? String(contentOf(value)) : "");
  /** How the page names an item: its key values, the sort key after " / ". */
  const labelOf = (item) => keyOf(item).map(keyText).join(" / ");
  /** An exact identity of an item's key, types included, to find its row again. */
  const identityOf = (item) => stringifyExact(keyOf(item).map((value) => value ?? null), true);

  /** Base64, standard or URL-safe, padded or not, as URL-safe base64 without padding: binary in an API path. */
  const urlSafe = (text) => text.trim().replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  /** A key value's text as the API reads it in a path or a query string (before encoding). */
  const pathText = (type, text) => (type === "B" ? urlSafe(text) : text);
  /** An item's path: /items/{pk} or /items/{pk}/{sk}, each value in its path form, asking for DynamoDB JSON. */
  const itemPath = (key) =>
    "/items/" +
    state.design.key.map((attribute, i) => encodeURIComponent(pathText(attribute.type, keyText(key[i])))).join("/") +
    `?${TYPED}`;

  // ---- The page's elements and state. ----

  const $ = (id) => document.getElementById(id);
  const ui = {
    serviceInfo: $("service-info"),
    queryBar: $("query-bar"),
    queryTarget: $("query-target"),
    queryPkLabel: $("query-pk-label"),
    queryPk: $("query-pk"),
    querySortLabel: $("query-sort-label"),
    queryOp: $("query-op"),
    queryValue: $("query-value"),
    queryAnd: $("query-and"),
    queryValue2: $("query-value2"),
    queryOrder: $("query-order"),
    queryScan: $("query-scan"),
    queryNote: $("query-note"),
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
    jsonLabel: $("item-json-label"),
    jsonStatus: $("json-status"),
    viewPlain: $("view-plain"),
    viewDynamodb: $("view-dynamodb"),
    viewHelp: $("view-help"),
    types: $("attribute-types"),
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
    design: DEFAULT_DESIGN, // the table's key and indexes
    query: null, // the query the listing shows ({path, params, lookup, key}), or null for the scan of the table
    cursors: [null], // cursors[n] opens page n+1; null is the first page
    page: 0,
    nextCursor: null,
    items: [], // typed items (Maps of DynamoDB JSON values), in the API's order
    ticket: 0, // the latest page load; answers to earlier ones are dropped
    // The editor: "edit" an existing item (key, etag) or "create" a new one; pristine is the text as loaded.
    mode: null,
    key: null, // the typed key values of the item being edited
    label: null, // how messages name it: its key values
    etag: null,
    pristine: "",
    pending: null, // "save" or "delete" while a conflict waits for a decision
    view: "plain", // "plain" or "dynamodb": how the editor shows the item; kept from one item to the next
    loaded: new Map(), // the typed item as loaded, without its version (a new item's template when creating)
    basis: new Map(), // the typed item the plain view was last drawn from: its edits keep these types
  };

  // ---- Messages. ----

  function say(text, kind = "ok") {
    show(ui.messageText, text);
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
    show(ui.confirmText, text);
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

  /** The key attributes shown first: the table's, then those of the index the listing queries. */
  function keyColumns() {
    const names = keyNames();
    const extra = state.query ? keyNames(state.query.key).filter((name) => !names.includes(name)) : [];
    return [...names, ...extra];
  }

  function columnsOf(items) {
    const key = keyColumns();
    const seen = new Map();
    for (const item of items) {
      for (const name of item.keys()) seen.set(name, (seen.get(name) || 0) + 1);
    }
    for (const name of [...key, VERSION]) seen.delete(name);
    const names = [...seen].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
    const shown = names.slice(0, Math.max(MAX_COLUMNS - key.length, 1));
    return { columns: [...key, ...shown, VERSION], key, hidden: names.length - shown.length };
  }

  /** How a typed value reads in a table cell: its plain form. */
  const typedCellText = (value) => cellText(plainOf(value));

  /** The test a filter puts items to: `name=value` when the page has that attribute, else key prefix or value. */
  function matcher(filter) {
    if (!filter) return () => true;
    const equals = filter.indexOf("=");
    const name = filter.slice(0, equals).trim();
    if (equals > 0 && state.items.some((item) => item.has(name))) {
      const wanted = filter.slice(equals + 1).trim().toLowerCase();
      return (item) => item.has(name) && typedCellText(item.get(name)).toLowerCase() === wanted;
    }
    const wanted = filter.toLowerCase();
    const [partition] = keyNames();
    const valueMatches = ([attribute, value]) =>
      attribute !== partition && attribute !== VERSION && typedCellText(value).toLowerCase().includes(wanted);
    return (item) => labelOf(item).toLowerCase().startsWith(wanted) || [...item].some(valueMatches);
  }

  /** A badge that names a value's DynamoDB type; sets and binary, which plain JSON cannot tell, stand out. */
  function typeBadge(kind) {
    const badge = document.createElement("span");
    badge.className = kind in KEPT_TYPES ? "type kept" : "type";
    badge.textContent = kind;
    badge.title = `${kind}: ${TYPE_NAMES[kind]}`;
    return badge;
  }

  function render() {
    const filter = ui.filter.value.trim();
    const shown = state.items.filter(matcher(filter));
    const { columns, key, hidden } = columnsOf(shown); // a filter brings its items' own attributes into view
    const selected = state.mode === "edit" ? identityOf(state.loaded) : null;
    ui.head.replaceChildren(
      ...columns.map((name) => {
        const th = document.createElement("th");
        th.scope = "col";
        show(th, name === VERSION ? "version" : name);
        return th;
      }),
    );
    ui.body.replaceChildren(
      ...shown.map((item) => {
        const row = document.createElement("tr");
        const label = labelOf(item);
        row.dataset.id = label;
        row.dataset.key = identityOf(item);
        if (row.dataset.key === selected) row.classList.add("selected");
        for (const name of columns) {
          const first = name === key[0];
          const cell = document.createElement(first ? "th" : "td");
          if (first) {
            cell.scope = "row";
            const open = document.createElement("button");
            open.type = "button";
            open.className = "link";
            show(open, keyText(item.get(name))); // the key as it is, every character of it in sight
            open.title = `Open ${shownText(label)}`;
            open.addEventListener("click", () => openItem(item));
            cell.append(open);
          } else if (key.includes(name) && item.has(name)) {
            const text = document.createElement("span");
            text.className = "value key";
            show(text, keyText(item.get(name)));
            cell.append(text);
            cell.title = shownText(text.textContent);
          } else if (item.has(name)) {
            const value = item.get(name);
            const kind = typeOf(value);
            const text = document.createElement("span");
            text.className = "value";
            show(text, typedCellText(value));
            // The version is the service's own number: its type says nothing.
            if (name !== VERSION) cell.append(typeBadge(kind));
            cell.append(text);
            cell.title = name === VERSION ? text.textContent : `${kind} · ${shownText(typedCellText(value))}`;
            cell.dataset.type = kind;
            if (kind === "N") cell.classList.add("number");
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

  /** One page of the listing: the scan of the table, a query's page, or the one item a lookup by key finds. */
  async function fetchPage(cursor) {
    const query = state.query;
    if (query && query.lookup) {
      try {
        const { text } = await request("GET", query.path);
        return { items: [parseExact(text)], next: null };
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return { items: [], next: null };
        throw error;
      }
    }
    const params = new URLSearchParams({ ...(query && query.params), limit: ui.pageSize.value, format: "dynamodb" });
    if (cursor) params.set("cursor", cursor);
    const page = parseExact((await request("GET", `${query ? query.path : "/items"}?${params}`)).text);
    const next = page.get("next_cursor");
    return { items: page.get("items"), next: typeof next === "string" ? next : null };
  }

  async function loadPage() {
    const ticket = ++state.ticket;
    const cursor = state.cursors[state.page];
    ui.count.textContent = "Loading…";
    ui.columnsNote.textContent = "";
    try {
      const { items, next } = await fetchPage(cursor);
      if (ticket !== state.ticket) return; // a later load (another page, a new key) has taken over
      state.items = items;
      state.nextCursor = next;
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

  // ---- The query bar: one partition of the table or of an index, in sort key order. ----

  /** What the query bar can read: the table (by its key) and each index (by its own). */
  function queryTargets() {
    const described = (attributes) => attributes.map(({ name, type }) => `${name} (${type})`).join(", ");
    return [
      { index: null, key: state.design.key, label: `Table · ${described(state.design.key)}` },
      ...state.design.indexes.map((index) => ({
        index: index.name,
        key: index.key,
        label: `${index.name} · ${described(index.key)}${index.projection === "KEYS_ONLY" ? " · keys only" : ""}`,
      })),
    ];
  }

  const currentTarget = () => queryTargets()[ui.queryTarget.selectedIndex] || queryTargets()[0];

  /** Show the design: the key names in the query bar, which a table without a sort key or index goes without. */
  function showDesign() {
    const targets = queryTargets();
    ui.queryTarget.replaceChildren(...targets.map((target, i) => new Option(target.label, String(i))));
    ui.queryBar.hidden = state.design.key.length === 1 && targets.length === 1;
    ui.filter.placeholder = `${keyNames()[0]} prefix, value, or name=value`;
    showTarget();
  }

  /** Fit the bar to the chosen table or index: its partition key's name, and its sort key's, if it has one. */
  function showTarget() {
    const { key, index } = currentTarget();
    const [partition, sort] = key;
    ui.queryPkLabel.textContent = partition.name;
    ui.queryPk.placeholder = partition.type === "B" ? "base64" : KIND_NAMES[partition.type];
    ui.querySortLabel.textContent = sort ? sort.name : "no sort key";
    for (const control of [ui.queryOp, ui.queryValue, ui.queryValue2, ui.queryOrder]) control.disabled = !sort;
    ui.queryValue.placeholder = sort && sort.type === "B" ? "base64" : "";
    const between = Boolean(sort) && ui.queryOp.value === "between";
    ui.queryAnd.hidden = !between;
    ui.queryValue2.hidden = !between;
    ui.queryValue.hidden = !sort || ui.queryOp.value === "";
    $("query-run").textContent = !sort && !index ? "Look up" : "Query";
  }

  /** The listing the bar asks for; a lookup by key where the table has no sort key (its partition is one item). */
  function readQuery() {
    const { key, index } = currentTarget();
    const [partition, sort] = key;
    const pk = ui.queryPk.value;
    const where = index ? `index ${index}` : "the table";
    const segment = encodeURIComponent(pathText(partition.type, pk));
    if (!sort && !index) {
      return { path: `/items/${segment}?${TYPED}`, lookup: true, key, text: `${partition.name} = “${pk}”` };
    }
    const params = {};
    const parts = [`${partition.name} = “${pk}”`];
    const op = sort ? ui.queryOp.value : "";
    if (op === "between") {
      params.from = pathText(sort.type, ui.queryValue.value);
      params.to = pathText(sort.type, ui.queryValue2.value);
      parts.push(`${sort.name} from “${ui.queryValue.value}” to “${ui.queryValue2.value}”`);
    } else if (op) {
      params[op] = pathText(sort.type, ui.queryValue.value);
      parts.push(`${sort.name} ${ui.queryOp.selectedOptions[0].textContent} “${ui.queryValue.value}”`);
    }
    if (sort && ui.queryOrder.value === "desc") params.order = "desc";
    const collection = index ? `/indexes/${encodeURIComponent(index)}/items/` : "/items/";
    const order = sort ? (params.order ? `, ${sort.name} descending` : `, ${sort.name} ascending`) : "";
    return { path: collection + segment, params, key, text: `Query of ${where}: ${parts.join(", ")}${order}` };
  }

  /** Show the first page of what the bar asks for. */
  function runQuery() {
    if (!ui.queryPk.value) {
      say(`Enter a value of ${currentTarget().key[0].name} to query.`, "error");
      ui.queryPk.focus();
      return;
    }
    quiet();
    state.query = readQuery();
    show(ui.queryNote, state.query.text);
    ui.queryScan.disabled = false;
    firstPage();
  }

  /** Back to the scan of the whole table. */
  function showScan() {
    state.query = null;
    ui.queryNote.textContent = "";
    ui.queryScan.disabled = true;
    firstPage();
  }

  // ---- The editor. ----

  const VIEW_HELP = {
    plain:
      "Sets show as sorted lists and binary as base64 text. An edited value keeps its type where it fits; " +
      "Save sends only the attributes you changed.",
    dynamodb:
      'Every value with its type: {"S": "text"}, {"N": "1"}, {"SS": ["a"]}, {"B": "AAE="} (base64)… ' +
      "Save replaces the whole item with exactly this.",
  };

  /** An item's text in a view: plain JSON, or DynamoDB JSON as the API sends it. */
  const textOf = (item, view) => stringifyExact(view === "dynamodb" ? item : plainItem(item));

  /** Show which view is on: the pressed button, the field's label and what the view does. */
  function showView() {
    const typedView = state.view === "dynamodb";
    ui.viewPlain.setAttribute("aria-pressed", String(!typedView));
    ui.viewDynamodb.setAttribute("aria-pressed", String(typedView));
    ui.jsonLabel.textContent = typedView ? "Item as DynamoDB JSON" : "Item as plain JSON";
    ui.viewHelp.textContent = VIEW_HELP[state.view];
  }

  /** Put the editor on `view`, carrying any edits over; an item that cannot be read stays where it is. */
  function switchView(view) {
    if (view === state.view) return;
    if (state.mode === null) {
      state.view = view;
      showView();
      return;
    }
    // A set edited out of its type in the plain view is shown typed as it would be, to be given its type there.
    const { item, problem } = readEditor(true);
    if (!item) {
      say(`Correct the item before switching views. ${problem}`, "error");
      return;
    }
    const edited = dirty();
    if (view === "plain") state.basis = item; // later plain edits keep the types just shown
    state.view = view;
    state.pristine = textOf(state.loaded, view);
    ui.json.value = edited ? textOf(item, view) : state.pristine;
    showView();
    validate();
  }

  function showEditor(mode, title, meta) {
    state.mode = mode;
    state.pristine = textOf(state.loaded, state.view);
    state.pending = null;
    show(ui.editorTitle, title);
    show(ui.editorMeta, meta);
    ui.json.value = state.pristine;
    ui.conflict.hidden = true;
    ui.duplicate.disabled = mode !== "edit";
    ui.remove.disabled = mode !== "edit";
    ui.save.textContent = mode === "edit" ? "Save" : "Create";
    ui.editor.hidden = false;
    ui.layout.classList.add("editing");
    showView();
    validate();
    render();
    ui.editorTitle.focus();
    ui.editor.scrollIntoView({ block: "nearest" });
  }

  function closeEditor() {
    const identity = state.mode === "edit" ? identityOf(state.loaded) : null;
    state.mode = null;
    state.key = null;
    state.label = null;
    state.etag = null;
    ui.editor.hidden = true;
    ui.layout.classList.remove("editing");
    render();
    const row = [...ui.body.rows].find((candidate) => candidate.dataset.key === identity);
    (row ? row.querySelector("button") : ui.table).focus();
  }

  const dirty = () => state.mode !== null && ui.json.value !== state.pristine;

  async function mayDiscard() {
    if (!dirty()) return true;
    const name = state.mode === "edit" ? `“${state.label}”` : "the new item";
    return ask(`Discard your unsaved changes to ${name}?`, "Discard");
  }

  /**
   * The editor's item as typed values, or why it cannot be saved: bad JSON, or a type the plain view cannot keep
   * (unless `lenient`: then such a value is typed as the API would type it, for the DynamoDB JSON view to show).
   */
  function readEditor(lenient = false) {
    let item;
    try {
      item = parseExact(ui.json.value);
    } catch (error) {
      return { problem: `Invalid JSON: ${error.message}` };
    }
    if (!(item instanceof Map)) return { problem: "Invalid JSON: An item is a JSON object: { … }." };
    if (state.view === "dynamodb") {
      for (const [name, value] of item) {
        const problem = typedProblem(value, name);
        if (problem) return { problem: `Not DynamoDB JSON: ${problem}` };
      }
      return { item };
    }
    try {
      const typedItem = [...item].map(([name, value]) => [name, typedOf(value, state.basis.get(name), name, lenient)]);
      return { item: new Map(typedItem) };
    } catch (error) {
      if (error instanceof TypeWouldChange) return { problem: error.message };
      throw error;
    }
  }

  /** One badge per attribute of the item being edited, in its order. */
  function showTypes(item) {
    ui.types.replaceChildren(
      ...[...item].map(([name, value]) => {
        const entry = document.createElement("li");
        entry.dataset.name = name;
        const label = document.createElement("code");
        show(label, name);
        entry.append(typeBadge(typeOf(value)), label);
        return entry;
      }),
    );
  }

  /** Live validation: the text must be one item in the view's form; Save waits for it. */
  function validate() {
    const { item, problem } = readEditor();
    ui.json.setAttribute("aria-invalid", problem ? "true" : "false");
    const form = state.view === "dynamodb" ? "DynamoDB JSON item" : "JSON object";
    ui.jsonStatus.textContent = problem || `Valid ${form} with ${item.size} attribute${item.size === 1 ? "" : "s"}.`;
    ui.jsonStatus.dataset.kind = problem ? "error" : "ok";
    ui.save.disabled = Boolean(problem);
    if (item) showTypes(item);
    return item || null;
  }

  /** Open the typed item an answer holds, without the server-managed version, as the new starting point. */
  function showItem(reply) {
    const item = parseExact(reply.text);
    item.delete(VERSION);
    state.key = keyOf(item);
    state.label = labelOf(item);
    state.etag = reply.etag;
    state.loaded = item;
    state.basis = item;
    showEditor("edit", state.label, `Version ${reply.etag}`);
  }

  /** Open an item of the listing, read again by its whole key. */
  async function openItem(item) {
    if (!(await mayDiscard())) return;
    quiet();
    try {
      showItem(await request("GET", itemPath(keyOf(item))));
    } catch (error) {
      sayError(error);
    }
  }

  /** A new item's starting text: each key attribute, empty (a number 0), for the user to fill in. */
  const blankKey = () =>
    new Map(state.design.key.map(({ name, type }) => [name, typed(type, type === "N" ? "0" : "")]));

  async function newItem(template = blankKey(), title = "New item") {
    if (!(await mayDiscard())) return;
    quiet();
    state.key = null;
    state.label = null;
    state.etag = null;
    state.loaded = template;
    state.basis = template;
    const names = keyNames();
    const key = state.design.key.map(({ name, type }) => `“${name}” (${KIND_NAMES[type]})`).join(" and ");
    const generated = `Leave out “${names[0]}” (or leave it empty) to have one generated.`;
    showEditor("create", title, generatesKey() ? generated : `Give its key: ${key}.`);
  }

  function conflictWith(action) {
    state.pending = action;
    show(
      ui.conflictText,
      `Someone else changed “${state.label}” after you opened version ${state.etag}. ` +
        (action === "save"
          ? "Reload it to see their version (your edits are lost), or overwrite it with yours."
          : "Reload it to see their version, or delete it anyway."),
    );
    ui.conflictOverwrite.textContent = action === "save" ? "Overwrite with mine" : "Delete anyway";
    ui.conflict.hidden = false;
    ui.conflictOverwrite.focus();
  }

  /** The merge patch from the loaded item to `item`: changed and new attributes typed, removed ones null. */
  function changesOf(item) {
    const patch = new Map();
    for (const [name, value] of item) {
      if (name !== VERSION && !(state.loaded.has(name) && same(value, state.loaded.get(name)))) patch.set(name, value);
    }
    // The key cannot go: left out of the text, it stays what it is.
    const key = keyNames();
    for (const name of state.loaded.keys()) if (!item.has(name) && !key.includes(name)) patch.set(name, null);
    return patch;
  }

  async function create(item) {
    const body = new Map(item);
    const [partition] = keyNames();
    const id = body.get(partition);
    if (generatesKey() && id instanceof Map && typeOf(id) === "S" && contentOf(id) === "") body.delete(partition);
    try {
      const reply = await request("POST", `/items?${TYPED}`, { body: stringifyExact(body) });
      showItem(reply);
      say(`Created “${state.label}” at version ${reply.etag}.`);
      await loadPage();
    } catch (error) {
      sayError(error);
    }
  }

  /**
   * Save the edits. The DynamoDB JSON view replaces the item with exactly its text (PUT); the plain view sends
   * only the attributes that changed (PATCH), so whatever the user left alone keeps its type and value. Each
   * holds only over the version that was loaded; overwriting after a conflict replaces the whole item.
   */
  async function save({ force = false } = {}) {
    const item = validate();
    if (!item) return;
    quiet();
    if (state.mode === "create") return create(item);
    const headers = {};
    if (force) {
      // Overwrite exactly the version that is there now; if that changes too, the conflict comes back.
      try {
        headers["If-Match"] = (await request("GET", itemPath(state.key))).etag;
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) return sayError(error);
        headers["If-None-Match"] = "*"; // it was deleted meanwhile: create it again
      }
    } else {
      headers["If-Match"] = state.etag;
    }
    const whole = force || state.view === "dynamodb";
    try {
      const reply = whole
        ? await request("PUT", itemPath(state.key), { body: stringifyExact(item), headers })
        : await request("PATCH", itemPath(state.key), {
            body: stringifyExact(changesOf(item)),
            headers,
            contentType: MERGE_PATCH,
          });
      showItem(reply);
      say(`Saved “${state.label}” as version ${reply.etag}.`);
      await loadPage();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) return conflictWith("save");
      sayError(error);
    }
  }

  async function remove({ force = false } = {}) {
    const label = state.label;
    if (!force && !(await ask(`Delete the item “${label}”? This cannot be undone.`, "Delete"))) return;
    quiet();
    try {
      await request("DELETE", itemPath(state.key), { headers: force ? {} : { "If-Match": state.etag } });
      state.pristine = ui.json.value;
      closeEditor();
      say(`Deleted “${label}”.`);
      await loadPage();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) return conflictWith("delete");
      sayError(error);
    }
  }

  async function reloadItem() {
    state.pristine = ui.json.value; // the user chose to drop their edits
    await openItem(state.loaded);
  }

  /** A new item from the one being edited, every type kept; without its key when the API makes one. */
  function duplicate() {
    const item = validate();
    if (!item) return;
    const copy = new Map(item);
    if (generatesKey()) copy.delete(keyNames()[0]);
    const source = state.label;
    state.pristine = ui.json.value;
    newItem(copy, `New item (copy of ${source})`);
  }

  // ---- Wiring. ----

  ui.apiKey.value = sessionStorage.getItem(KEY_STORAGE) || "";
  $("use-key").addEventListener("click", () => {
    const key = ui.apiKey.value.trim();
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
    quiet();
    start();
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
  ui.queryBar.addEventListener("submit", (event) => {
    event.preventDefault(); // the bar asks the API itself; the page never navigates
    runQuery();
  });
  ui.queryTarget.addEventListener("change", showTarget);
  ui.queryOp.addEventListener("change", showTarget);
  ui.queryScan.addEventListener("click", showScan);
  ui.json.addEventListener("input", validate);
  ui.viewPlain.addEventListener("click", () => switchView("plain"));
  ui.viewDynamodb.addEventListener("click", () => switchView("dynamodb"));
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

  /** Read the table's design, then the first page: the key decides the columns and every item's address. */
  async function start() {
    try {
      const design = JSON.parse((await request("GET", "/table")).text);
      if (Array.isArray(design.key) && design.key.length > 0) {
        state.design = { name: design.name, key: design.key, indexes: design.indexes || [] };
      }
    } catch {
      // No design yet (an API key is missing, or the API predates /table): the page load says why, if it fails too.
    }
    showDesign();
    await firstPage();
  }

  showView();
  request("GET", "/health")
    .then(({ text }) => {
      const health = parseExact(text);
      ui.serviceInfo.textContent = `table ${health.get("table")} · ${health.get("version")}`;
    })
    .catch(() => {
      ui.serviceInfo.textContent = "";
    });
  start();
})();
