// DOM helpers for every page: build elements, change them only where they differ (so a live
// region hears only real changes), keep a keyed list in place, and speak through a live region.

export function $(id) {
  return document.getElementById(id);
}

// el("li", { className: "late", "data-unit": 3 }, [child, "text", null]): `text` sets the text,
// `className` the class, `hidden` the property; every other key is an attribute. Null children
// are skipped, strings become text.
export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([name, value]) => {
    if (value === null || value === undefined) return;
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else if (name === "hidden") node.hidden = !!value;
    else node.setAttribute(name, value);
  });
  (children || []).forEach((child) => {
    if (child === null || child === undefined || child === false) return;
    node.append(child);
  });
  return node;
}

export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function setAttr(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

export function setClass(node, className) {
  if (node.className !== className) node.className = className;
}

// Make `parent`'s children the nodes of `items`, in order, keeping the node of every item it
// already shows (matched by `key`): `create(item)` builds a new one, `update(node, item)`
// brings a kept one up to date. A kept node that is already in place is not moved, so what a
// person is typing in it, and the focus, stay where they are.
export function syncChildren(parent, items, { key, create, update }) {
  const kept = new Map();
  Array.from(parent.children).forEach((child) => kept.set(child.dataset.key, child));
  let cursor = parent.firstElementChild;
  items.forEach((item) => {
    const name = String(key(item));
    let node = kept.get(name);
    if (node) {
      kept.delete(name);
      if (update) update(node, item);
    } else {
      node = create(item);
      node.dataset.key = name;
    }
    if (node === cursor) cursor = cursor.nextElementSibling;
    else parent.insertBefore(node, cursor);
  });
  kept.forEach((node) => node.remove());
}

// A polite live region (role="status") that says one thing at a time. Saying the same words
// twice in a row still speaks them: the region is emptied first.
export function announcer(node) {
  let timer = 0;
  return function say(text) {
    if (!node || !text) return;
    clearTimeout(timer);
    if (node.textContent === text) {
      node.textContent = "";
      timer = setTimeout(() => { node.textContent = text; }, 50);
    } else {
      node.textContent = text;
    }
  };
}

// Content for a Leaflet tooltip or popup: Leaflet reads a string as HTML, so data (a call sign, a
// name) goes in as an element holding the text, never as a string.
export function textContent(text) {
  const node = document.createElement("span");
  node.textContent = text;
  return node;
}
