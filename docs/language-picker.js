// The language switch in the menu bar: the same page in the book's other
// language. The English book is served from the output folder's root and
// the Chinese one from its zh-CN/ folder (scripts/book.sh builds both), so
// the page's path under its book's root is all it needs. Works from a web
// server and from files opened on disk.
(() => {
    const languages = [
        { code: 'en', label: 'English', folder: '' },
        { code: 'zh-CN', label: '简体中文', folder: 'zh-CN/' },
    ];
    const lang = document.documentElement.lang || 'en';
    const current = languages.find((l) => l.code === lang) || languages[0];
    // `path_to_root` is set by mdBook on every page.
    const root = new URL(typeof path_to_root === 'string' ? path_to_root : '', location.href);
    const page = location.pathname.slice(root.pathname.length) || 'index.html';
    const englishRoot = new URL(current.folder ? '../' : '', root);

    const bar = document.querySelector('.right-buttons');
    if (!bar) return;
    const nav = document.createElement('nav');
    nav.className = 'language-picker';
    nav.setAttribute('aria-label', 'Language');
    for (const l of languages) {
        const link = document.createElement('a');
        link.textContent = l.label;
        link.lang = l.code;
        link.hreflang = l.code;
        if (l === current) {
            link.setAttribute('aria-current', 'page');
        } else {
            link.href = new URL(l.folder + page, englishRoot).href + location.hash;
        }
        nav.appendChild(link);
    }
    bar.prepend(nav);
})();
