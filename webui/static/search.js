// Progressive enhancement only: the form works without it. Leaves empty filters out of
// the URL, so result links are short enough to share.
"use strict";
for (const form of document.querySelectorAll("form.search")) {
  form.addEventListener("submit", () => {
    for (const field of form.querySelectorAll("input:not([name=q])")) {
      if (!field.value) field.disabled = true;
    }
  });
}
// Coming back with the Back button restores the page as it was left: re-enable the fields.
window.addEventListener("pageshow", () => {
  for (const field of document.querySelectorAll("form.search input:disabled")) field.disabled = false;
});
