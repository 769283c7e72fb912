// Building the page from API values: every value goes in as text (textContent, attribute values
// set one by one), never as HTML. Display names, statuses and ids are hostile input.

/**
 * h('tr', {class: 'stale', dataset: {id}}, child, 'text', …): an element; children are nodes or
 * strings (inserted as text nodes); null/undefined/false children are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = String(v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** An instant as a short local date and time, with the ISO value in a title. */
export function when(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  const text = Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC');
  return h('time', { datetime: iso, title: iso }, text);
}

export function duration(seconds) {
  const s = Number(seconds);
  if (s % 86400 === 0) return `${s / 86400} d`;
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

/** A status message region: plain sentences, announced to screen readers. */
export function say(region, text, kind = 'info') {
  fill(region, text ? h('p', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text) : null);
}

/** Shows an error (an ApiError's plain sentence, or any error's message) in a region. */
export function sayError(region, e) {
  say(region, typeof e?.sentence === 'function' ? e.sentence() : String(e?.message || e), 'error');
}

/**
 * Asks before a destructive action, in a modal dialog (keyboard: Tab between the buttons, Esc
 * cancels). Resolves true when confirmed.
 */
export function confirmAction(question, confirmLabel = 'Confirm') {
  return new Promise((resolve) => {
    const yes = h('button', { type: 'button', class: 'danger', 'data-confirm': 'yes' }, confirmLabel);
    const no = h('button', { type: 'button', 'data-confirm': 'no' }, 'Cancel');
    const dlg = h('dialog', { class: 'confirm', 'aria-label': 'Confirm' }, h('p', {}, question), h('div', { class: 'row' }, no, yes));
    const done = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    yes.addEventListener('click', () => done(true));
    no.addEventListener('click', () => done(false));
    dlg.addEventListener('cancel', (ev) => { ev.preventDefault(); done(false); });
    document.body.append(dlg);
    dlg.showModal();
    no.focus();
  });
}

/**
 * A secret shown once: the key, a copy button and a plain warning; "I have saved it" removes it
 * from the page. {@code extra} is an optional node (e.g. "use it for this session").
 */
export function shownOnce(title, secret, note, extra) {
  const field = h('input', { type: 'text', readonly: true, class: 'secret', 'aria-label': title, spellcheck: 'false', autocomplete: 'off' });
  field.value = secret;
  const status = h('span', { class: 'muted', role: 'status' });
  const copy = h('button', { type: 'button', 'data-action': 'copy' }, 'Copy');
  copy.addEventListener('click', async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(secret);
      status.textContent = 'Copied.';
    } catch (e) {
      status.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
    }
  });
  const box = h('section', { class: 'once', 'aria-label': title },
    h('h3', {}, title),
    h('p', { class: 'warn' }, 'Shown once. Copy this key now and keep it somewhere safe: Mission Control and the server cannot show it again. Anyone holding it can act as its owner.'),
    note ? h('p', {}, note) : null,
    h('div', { class: 'row' }, field, copy, status),
    extra || null);
  const done = h('button', { type: 'button', 'data-action': 'saved' }, 'I have saved it — hide the key');
  done.addEventListener('click', () => { field.value = ''; box.remove(); });
  box.append(h('div', { class: 'row' }, done));
  return box;
}

export const REASONS = ['compromised', 'operator_request', 'no_longer_needed', 'policy_violation', 'rotation', 'none'];

/** A reason-code select. */
export function reasonSelect(label = 'Reason') {
  const sel = h('select', { 'aria-label': label, name: 'reason' }, REASONS.map((r) => h('option', { value: r }, r)));
  return sel;
}

/**
 * Pages of a list the API returns whole (bonds, keys): a page-size select, Previous/Next and
 * "n–m of N". Built once per view and only updated, so the page and the size survive a re-render
 * (polling keeps the operator on their page; a page past the end, after the list shrank, becomes
 * the last one) and a focused control keeps the focus. The size is remembered in sessionStorage.
 * {@code onChange} is called after a click or a new size: the caller renders again.
 */
export function pager(id, noun, onChange, { sizes = [10, 20, 50], size = 20 } = {}) {
  const slot = `spaceduck.pageSize.${id}`;
  const stored = Number(sessionStorage.getItem(slot));
  const state = { page: 0, size: sizes.includes(stored) ? stored : size, pages: 1, total: 0 };
  const select = h('select', { id: `${id}-page-size` },
    sizes.map((n) => h('option', { value: String(n), selected: n === state.size }, String(n))));
  const prev = h('button', { type: 'button', id: `${id}-prev`, 'aria-controls': id }, '← Previous');
  const next = h('button', { type: 'button', id: `${id}-next`, 'aria-controls': id }, 'Next →');
  const range = h('span', { id: `${id}-range`, class: 'range', role: 'status' });
  const el = h('nav', { class: 'pager', 'aria-label': `Pages of ${noun}` },
    h('label', { for: `${id}-page-size` }, 'Per page'), select, prev, range, next);
  const go = (page) => { state.page = page; onChange(); };
  prev.addEventListener('click', () => go(Math.max(0, state.page - 1)));
  next.addEventListener('click', () => go(Math.min(state.pages - 1, state.page + 1)));
  select.addEventListener('change', () => {
    const first = state.page * state.size; // keep the first row in view
    state.size = Number(select.value);
    sessionStorage.setItem(slot, String(state.size));
    go(Math.floor(first / state.size));
  });

  /** The rows of the current page of {@code items} (call {@code render()} when they are on screen). */
  function slice(items) {
    state.total = items.length;
    state.pages = Math.max(1, Math.ceil(state.total / state.size));
    state.page = Math.min(Math.max(0, state.page), state.pages - 1);
    const start = state.page * state.size;
    return items.slice(start, Math.min(state.total, start + state.size));
  }

  /** Updates the controls to the last {@code slice}, with the rows it returned. */
  function render() {
    const total = state.total;
    const start = state.page * state.size;
    const end = Math.min(total, start + state.size);
    const text = total ? `${start + 1}–${end} of ${total}` : '0 of 0';
    if (range.textContent !== text) range.textContent = text; // not re-announced by every poll
    // a button that is disabled loses the focus: hand it to the other one (keyboard users stay in the pager)
    const focused = document.activeElement;
    prev.disabled = state.page === 0;
    next.disabled = state.page >= state.pages - 1;
    if (focused === prev && prev.disabled && !next.disabled) next.focus();
    if (focused === next && next.disabled && !prev.disabled) prev.focus();
    el.hidden = total <= sizes[0];
  }

  return {
    el,
    slice,
    render,
    /** The 1-based page that shows the item at {@code index}. */
    pageOf: (index) => Math.floor(index / state.size) + 1,
    /** 1-based. */
    current: () => state.page + 1,
    /** Moves to a 1-based page and renders again (or, {@code quiet}, only sets it for the next render). */
    show: (page, quiet) => { if (quiet) state.page = page - 1; else go(page - 1); },
  };
}
