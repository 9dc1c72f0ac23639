/* tools/lightpages.py: load MathJax (1.2 MB) when the reader needs it.
   A page with math loads this small script instead of MathJax itself. MathJax follows
   as soon as a formula comes within a screen's height of the window, or on the reader's
   first interaction (key, pointer, touch, wheel, scroll) or before printing, whichever
   comes first; it then typesets the whole page as usual. A phone reader who opens a
   page whose math starts further down no longer waits for MathJax to draw the text. */
(() => {
  const script = document.currentScript;
  const url = new URL(script.dataset.mathjax, script.src).href;
  const events = ["keydown", "pointerdown", "touchstart", "wheel", "scroll", "beforeprint"];
  let observer = null;
  let loaded = false;
  const load = () => {
    if (loaded) return;
    loaded = true;
    if (observer) observer.disconnect();
    events.forEach((type) => window.removeEventListener(type, load));
    const mathjax = document.createElement("script");
    mathjax.src = url;
    mathjax.async = true;
    const done = () => document.documentElement.classList.add("lightpages-math-done");
    mathjax.onerror = done;  // text with math is shown again, typeset or not
    mathjax.onload = () => window.MathJax.startup.promise.then(() => {
      done();
      focusable();
      window.addEventListener("resize", focusable, { passive: true });
    }, done);
    document.head.appendChild(mathjax);
  };
  // An inline formula wider than a phone's column scrolls in its own box
  // (lightpages.css); a box that scrolls must be reachable by keyboard (WCAG 2.1.1).
  const focusable = () => document.querySelectorAll("span.math").forEach((box) => {
    if (box.scrollWidth > box.clientWidth + 2) box.tabIndex = 0;
    else box.removeAttribute("tabindex");
  });
  const start = () => {
    const math = document.querySelectorAll(".math");
    if (!math.length) return document.documentElement.classList.add("lightpages-math-done");
    if (!("IntersectionObserver" in window)) return load();
    observer = new IntersectionObserver(
      (entries) => { if (entries.some((e) => e.isIntersecting)) load(); },
      { rootMargin: "100% 0px" });
    math.forEach((element) => observer.observe(element));
    events.forEach((type) => window.addEventListener(type, load, { passive: true }));
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
