/* tools/lightpages.py: search results whose snippet is the page's own text (issue 22).
   Sphinx's searchtools.js takes a result's snippet from the page's [role=main], which
   under this theme begins with the article toolbar (download, "Open in Colab",
   fullscreen, theme, "Contents", a table of contents for print) and includes the TeX
   source of every formula, which MathJax never typesets there. Only on the search page, before the first search:
   those parts are removed, then Sphinx's own htmlToText runs on the rest, and runs of
   white space become one space. */
(function () {
  if (typeof Search === "undefined" || !Search.htmlToText) return;
  const sphinxHtmlToText = Search.htmlToText;
  const notText = [".bd-header-article", ".bd-sidebar-secondary", ".bd-footer-article",
                   ".prev-next-area", ".onlyprint", ".math", "mjx-container", "button"];
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(notText.join(",")).forEach((el) => el.remove());
    // the layout's indentation would fill the snippet's few characters with blanks
    return sphinxHtmlToText(page.documentElement.outerHTML, anchor).replace(/\s+/g, " ").trim();
  };
})();
