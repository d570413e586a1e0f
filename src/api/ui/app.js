// sendercheck's pages work without this file; it adds copy buttons, reloads the check form
// when the profile changes (so the profile's parameter fields appear), and refreshes the test
// messages of a domain page as they arrive.
"use strict";

function announce(text) {
  const status = document.getElementById("copy-status");
  if (status) status.textContent = text;
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (_) {
    // Without the Clipboard API (plain HTTP on a non-loopback address): a selected textarea.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    let done = false;
    try { done = document.execCommand("copy"); } catch (_) { done = false; }
    area.remove();
    return done;
  }
}

// The words, in the page's language, come from the body's data attributes.
function words(name, english) {
  return (document.body && document.body.dataset[name]) || english;
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const text = button.getAttribute("data-copy");
  const done = await copy(text);
  button.textContent = done ? words("copied", "Copied") : words("copyFailed", "Select and copy");
  button.dataset.copied = done ? "true" : "false";
  announce(done
    ? words("copiedStatus", "Copied:") + " " + text
    : words("copyFailedStatus", "Copying failed: select the text and copy it"));
  setTimeout(() => { button.textContent = words("copy", "Copy"); }, 2000);
});

document.addEventListener("DOMContentLoaded", () => {
  const profile = document.getElementById("profile");
  const form = document.getElementById("check-form");
  if (!profile || !form) return;
  profile.addEventListener("change", () => {
    const edit = document.createElement("input");
    edit.type = "hidden";
    edit.name = "edit";
    edit.value = "1";
    form.appendChild(edit);
    form.submit();
  });
});

// A domain page shows test messages as they arrive: the list is fetched again every few
// seconds while the page is visible (without JavaScript, reloading the page does the same).
document.addEventListener("DOMContentLoaded", () => {
  const list = document.getElementById("messages");
  if (!list || !list.dataset.poll) return;
  const refresh = async () => {
    if (document.visibilityState !== "visible") return;
    try {
      const response = await fetch(list.dataset.poll, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return;
      const html = await response.text();
      if (html !== list.dataset.shown) {
        list.dataset.shown = html;
        list.innerHTML = html;
      }
    } catch (_) {
      // Offline for a moment: the next round tries again.
    }
  };
  list.dataset.shown = list.innerHTML;
  setInterval(refresh, 3000);
});
