// The inspector's live updates: polls /admin/ui/live.json and adds what changed; the buttons
// call the admin API. No framework, no build step. Text from partners is only ever set as
// textContent, never as HTML.
"use strict";

const SHOWN = 100;
const body = document.body;
const pollMs = Number(body.dataset.pollMs) || 1000;
let lastId = Number(body.dataset.lastId) || 0;
let faultsChangedAt = 0; // a poll begun before the last toggle shows an old state

function $(selector, root = document) { return root.querySelector(selector); }

function say(text, ok = true) {
  const line = $("#action-result");
  line.textContent = text;
  line.className = ok ? "ok" : "error";
}

async function call(method, url, payload) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: payload === undefined ? {} : { "Content-Type": "application/json" },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  let answer = {};
  try { answer = await response.json(); } catch (e) { /* not JSON */ }
  if (!response.ok) {
    throw new Error(answer.status_message || `HTTP ${response.status}`);
  }
  return answer.data;
}

function filters() {
  return { partner: $("#filter-partner").value, module: $("#filter-module").value };
}

function toggle(row) {
  const detail = row.nextElementSibling;
  if (detail && detail.classList.contains("detail")) detail.hidden = !detail.hidden;
}

function exchangeRows(e) {
  const fragment = $("#exchange-template").content.cloneNode(true);
  const [row, detail] = fragment.querySelectorAll("tr");
  row.dataset.id = e.id;
  row.classList.add(`status-${Math.floor(e.status / 100)}xx`);
  const cells = {
    ".id": e.id, ".at": e.at.slice(11, 23), ".partner": e.partner, ".method": e.method,
    ".path": e.path, ".module": e.module, ".status": e.status, ".duration": e.duration_ms,
  };
  for (const [selector, value] of Object.entries(cells)) $(selector, row).textContent = value;
  $(".request-headers", detail).textContent = Object.entries(e.request_headers)
    .map(([k, v]) => `${k}: ${v}`).join("\n");
  $(".request-body", detail).textContent = e.request_body;
  $(".response-body", detail).textContent = e.response_body;
  return [row, detail];
}

function addExchanges(exchanges) {
  const tbody = $("#exchange-rows");
  // newest first in the answer: insert the oldest first, each at the top
  for (const e of exchanges.slice().reverse()) {
    if (tbody.querySelector(`tr.exchange[data-id="${e.id}"]`)) continue;
    const [row, detail] = exchangeRows(e);
    tbody.prepend(detail);
    tbody.prepend(row);
  }
  const rows = tbody.querySelectorAll("tr.exchange");
  for (let i = SHOWN; i < rows.length; i++) {
    rows[i].nextElementSibling.remove();
    rows[i].remove();
  }
}

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function showPartners(partners) {
  const list = $("#partner-list");
  const seen = [...list.querySelectorAll("article.partner")].map((a) => a.dataset.id).join();
  const now = partners.map((p) => String(p.id)).join();
  if (seen === now) return;
  list.replaceChildren();
  if (!partners.length) list.append(element("p", "No partner yet.", { class: "muted" }));
  const choice = $("#filter-partner");
  const chosen = choice.value;
  choice.replaceChildren(element("option", "all", { value: "" }));
  for (const p of partners) {
    const article = element("article", undefined, { class: "partner", "data-id": p.id });
    article.append(element("h3", p.label + (p.registered ? "" : " (not registered)")));
    article.append(element("p", `OCPI ${p.version || "?"}, versions ${p.versions_url}`));
    const roles = p.roles.map((r) => `${r.role} ${r.country_code}/${r.party_id}` +
      (r.name ? ` (${r.name})` : "")).join("; ");
    article.append(element("p", `Roles: ${roles}`));
    const details = element("details");
    details.append(element("summary", `${p.endpoints.length} endpoints`));
    const ul = element("ul");
    for (const e of p.endpoints) ul.append(element("li", `${e.identifier} ${e.role || ""}: ${e.url}`));
    details.append(ul);
    article.append(details);
    list.append(article);
    choice.append(element("option", p.label, { value: p.id }));
  }
  choice.value = chosen;
}

function showFaults(on, asked) {
  if (asked <= faultsChangedAt) return;
  const active = new Set(on);
  for (const box of document.querySelectorAll(".fault-toggle")) box.checked = active.has(box.value);
}

function showObjects(objects) {
  const tbody = $("#object-rows");
  tbody.replaceChildren();
  for (const o of objects) {
    const row = element("tr", undefined, { "data-module": o.module });
    row.append(element("td", o.module));
    for (const side of ["sender", "receiver"]) {
      const cell = element("td");
      cell.append(element("a", o[side], { href: `/admin/objects/${o.module}?side=${side}` }));
      row.append(cell);
    }
    tbody.append(row);
  }
}

function showSimulator(evses, sessions) {
  const list = $("#active-sessions");
  if (!list) return;
  for (const select of document.querySelectorAll(".evse-choice")) {
    const chosen = select.value;
    const first = select.querySelector('option[value=""]');
    select.replaceChildren(...(first ? [first] : []));
    for (const e of evses) {
      select.append(element("option", `${e.location_id} / ${e.evse_uid} (${e.status})`,
        { value: `${e.location_id}|${e.evse_uid}` }));
    }
    select.value = chosen;
  }
  list.replaceChildren();
  for (const s of sessions) {
    const item = element("li", undefined, { "data-id": s.id });
    item.append(element("code", s.id));
    item.append(` at ${s.location_id} / ${s.evse_uid} since ${s.start_date_time} `);
    item.append(element("button", "Stop and send the CDR",
      { type: "button", class: "stop-session", "data-id": s.id }));
    list.append(item);
  }
}

async function poll() {
  const { partner, module } = filters();
  const query = new URLSearchParams({ after: lastId, partner, module });
  const asked = performance.now();
  try {
    const live = await call("GET", `/admin/ui/live.json?${query}`);
    addExchanges(live.exchanges);
    lastId = Math.max(lastId, live.last_id);
    showPartners(live.partners);
    showFaults(live.faults_on, asked);
    showObjects(live.objects);
    showSimulator(live.evses, live.active_sessions);
    $("#live-state").textContent = "live";
  } catch (error) {
    $("#live-state").textContent = `not updating: ${error.message}`;
  }
  setTimeout(poll, pollMs);
}

function refilter() {
  const { partner, module } = filters();
  const query = new URLSearchParams({ partner, module });
  history.replaceState(null, "", `/admin/ui?${query}`);
  $("#exchange-rows").replaceChildren();
  lastId = 0;
}

async function setFaults() {
  faultsChangedAt = performance.now();
  const ids = [...document.querySelectorAll(".fault-toggle:checked")].map((box) => box.value);
  try {
    const data = await call("POST", "/admin/faults", { faults: ids });
    say(data.faults.length ? `Faults on: ${data.faults.join(", ")}` : "No fault on");
  } catch (error) {
    say(`Faults not changed: ${error.message}`, false);
  }
  faultsChangedAt = performance.now();
}

function evseOf(form) {
  const [location_id, evse_uid] = (form.elements.evse.value || "|").split("|");
  return location_id ? { location_id, evse_uid } : {};
}

const actions = {
  "start-session": (form) => {
    const payload = evseOf(form);
    if (form.elements.token_uid.value) payload.token_uid = form.elements.token_uid.value;
    return payload;
  },
  "evse-status": (form) => ({ ...evseOf(form), status: form.elements.status.value }),
  "send-cdr": () => ({}),
};

// A whole simulated session answers both ids (and no session when the token is refused).
function outcome(data) {
  if (data.allowed && data.allowed !== "ALLOWED") {
    return [`No session: the token is ${data.allowed} here (${data.auth_method})`, false];
  }
  const pushes = `${(data.deliveries || []).length} push(es) to partners`;
  if (data.cdr_id) {
    const of = data.session_id ? ` for session ${data.session_id}` : "";
    return [`CDR ${data.cdr_id} sent${of}; ${pushes}`, true];
  }
  if (data.session_id) return [`session ${data.session_id} started; ${pushes}`, true];
  return [`done; ${pushes}`, true];
}

async function act(form) {
  try {
    say(...outcome(await call("POST", form.dataset.url, actions[form.id](form))));
  } catch (error) {
    say(error.message, false);
  }
}

document.addEventListener("click", async (event) => {
  const row = event.target.closest("tr.exchange");
  if (row) toggle(row);
  const stop = event.target.closest("button.stop-session");
  if (stop) {
    try {
      const data = await call("POST", `/admin/ui/sessions/${encodeURIComponent(stop.dataset.id)}/stop`);
      say(`CDR ${data.cdr_id} sent; ${data.deliveries.length} push(es) to partners`);
    } catch (error) {
      say(error.message, false);
    }
  }
});
document.addEventListener("change", (event) => {
  if (event.target.classList.contains("fault-toggle")) setFaults();
  if (event.target.closest("#filters")) refilter();
});
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form.action");
  if (!form) return;
  event.preventDefault();
  act(form);
});
$("#fault-search").addEventListener("input", (event) => {
  const words = event.target.value.toLowerCase();
  for (const item of document.querySelectorAll("#fault-list li")) {
    item.hidden = words !== "" && !item.textContent.toLowerCase().includes(words);
  }
});
setTimeout(poll, pollMs);
