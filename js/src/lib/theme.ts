// The widget theme (theme.css, imported as text): JupyterLab, VS Code, then our own fallbacks.
import CSS from "./theme.css";

export { CSS };

/** Marks `el` as a widget root and gives it the stylesheet (once, even across re-renders). */
export function applyTheme(el: HTMLElement): void {
  el.classList.add("xai-root");
  if (el.querySelector(":scope > style[data-xai-theme]")) return;
  const style = document.createElement("style");
  style.dataset.xaiTheme = "1";
  style.textContent = CSS;
  el.prepend(style);
}
