// Renders every page of the built book in headless Chromium, saves a
// full-page screenshot of each, and fails when a page scrolls sideways, a
// picture is wider than its column, a diagram did not render, or a page
// threw a script error. Run by scripts/book-screenshots.sh, which builds
// the book and brings playwright-core; see there for the arguments.
import { readdirSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const [book, out, widthArg] = process.argv.slice(2);
const width = Number(widthArg || 1280);
mkdirSync(out, { recursive: true });

// Every HTML page mdBook wrote, except its navigation-only ones.
const pages = readdirSync(book)
  .filter((f) => f.endsWith(".html") && !["404.html", "toc.html"].includes(f))
  .sort();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

let problems = 0;
let pictures = { mermaid: 0, svgbob: 0 };
const chineseFonts = new Set();
for (const name of pages) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(`script error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console error: ${m.text()}`);
  });
  await page.goto(pathToFileURL(resolve(book, name)).href, { waitUntil: "load" });
  // Mermaid draws after load: wait until every diagram has its SVG (or give up).
  await page
    .waitForFunction(
      () => [...document.querySelectorAll("pre.mermaid")].every((p) => p.querySelector("svg")),
      null,
      { timeout: 15000 },
    )
    .catch(() => {});
  // A Chinese page must be drawn with a font that has Chinese glyphs, not
  // as boxes: ask Chromium which fonts drew the page's title.
  const lang = await page.evaluate(() => document.documentElement.lang);
  const cjk = [];
  if (lang.startsWith("zh")) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("DOM.enable");
    await cdp.send("CSS.enable");
    const { root } = await cdp.send("DOM.getDocument");
    // The first heading or paragraph with Chinese text in it.
    const marked = await page.evaluate(() => {
      const el = [...document.querySelectorAll("main h1, main h2, main p")]
        .find((e) => [...e.childNodes].some((n) => n.nodeType === 3 && /[\u4e00-\u9fff]/.test(n.textContent)));
      if (el) el.setAttribute("data-cjk-probe", "");
      return Boolean(el);
    });
    const { nodeId } = marked
      ? await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector: "[data-cjk-probe]" })
      : { nodeId: 0 };
    if (!nodeId) {
      cjk.push("no Chinese text on this page of the Chinese book: is the catalogue complete?");
    } else {
      const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
      const names = fonts.map((f) => `${f.familyName} (${f.glyphCount} glyphs)`).join(", ");
      if (!fonts.some((f) => /CJK|Hei|Song|Kai|Ming|WenQuanYi|Han Sans|Han Serif|SC$/i.test(f.familyName))) {
        cjk.push(`Chinese text is drawn without a Chinese font (${names}): install fonts-noto-cjk`);
      } else {
        chineseFonts.add(fonts.filter((f) => /CJK|Hei|Song|Kai|Ming|WenQuanYi|Han|SC$/i.test(f.familyName)).map((f) => f.familyName).join(", "));
      }
    }
    await cdp.detach();
  }
  const found = await page.evaluate(() => {
    const out = { notes: [], problems: [], mermaid: 0, svgbob: 0 };
    // The window, and mdBook's own boxes around the text (which scroll
    // themselves rather than the window when something is too wide).
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) {
      out.problems.push(`the page scrolls sideways: ${doc.scrollWidth} px wide in a ${window.innerWidth} px window`);
    }
    for (const box of document.querySelectorAll("body, #mdbook-body-container, .page-wrapper, .page, .content, main")) {
      if (box.scrollWidth > box.clientWidth + 1) {
        const name = box.id ? `#${box.id}` : box.className ? `.${box.className.split(" ")[0]}` : box.tagName.toLowerCase();
        out.problems.push(`the page scrolls sideways: ${name} is ${box.scrollWidth} px wide in ${box.clientWidth}`);
      }
    }
    const column = document.querySelector("main") || document.body;
    const right = column.getBoundingClientRect().right + 1;
    const near = (el) => {
      const h = el.closest("main") && [...document.querySelectorAll("h1, h2, h3")]
        .filter((x) => x.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)
        .pop();
      return h ? `under "${h.textContent.trim()}"` : "";
    };
    for (const pre of document.querySelectorAll("pre.mermaid")) {
      const svg = pre.querySelector("svg");
      const text = pre.textContent || "";
      if (!svg) {
        out.problems.push(`a mermaid diagram did not render ${near(pre)}`);
      } else if (svg.getAttribute("aria-roledescription") === "error" || /Syntax error/.test(text)) {
        out.problems.push(`a mermaid diagram has a syntax error ${near(pre)}`);
      } else {
        out.mermaid += 1;
        const r = svg.getBoundingClientRect();
        if (r.width < 50 || r.height < 30) out.problems.push(`a mermaid diagram is empty (${r.width}x${r.height}) ${near(pre)}`);
        if (r.right > right) out.problems.push(`a mermaid diagram is wider than the page ${near(pre)}`);
      }
    }
    for (const svg of document.querySelectorAll("svg.svgbob")) {
      const r = svg.getBoundingClientRect();
      if (r.width < 50 || r.height < 10) {
        out.problems.push(`an svgbob picture is empty (${r.width}x${r.height}) ${near(svg)}`);
      } else {
        out.svgbob += 1;
      }
      if (r.right > right) out.problems.push(`an svgbob picture is wider than the page ${near(svg)}`);
      // svgbob sizes its picture by the lines alone: a quoted label past
      // them is drawn only as far as the picture's box reaches.
      for (const t of svg.querySelectorAll("text")) {
        const b = t.getBBox();
        if (b.x + b.width > r.width + 1) out.problems.push(`an svgbob label is cut off: "${t.textContent}" ${near(svg)}`);
      }
    }
    // A diagram left as a code block: svgbob or mermaid did not run.
    for (const code of document.querySelectorAll("code.language-bob, code.language-mermaid")) {
      const kind = code.classList.contains("language-bob") ? "svgbob" : "mermaid";
      out.problems.push(`a ${kind} diagram was left as a code block ${near(code)}`);
    }
    // Code and program output may scroll inside their own box: noted, not failed.
    for (const box of document.querySelectorAll("main pre:not(.mermaid), main pre > code")) {
      if (box.scrollWidth > box.clientWidth + 1) {
        out.notes.push(`a code block scrolls inside its box (${box.scrollWidth} px in ${box.clientWidth}) ${near(box)}`);
      }
    }
    return out;
  });
  const shot = join(out, name.replace(/\.html$/, ".png"));
  if (name !== "print.html") await page.screenshot({ path: shot, fullPage: true });
  const all = [...found.problems, ...cjk, ...errors];
  // print.html holds every chapter again, and index.html is the introduction.
  const again = name === "print.html" || name === "index.html";
  pictures.mermaid += again ? 0 : found.mermaid;
  pictures.svgbob += again ? 0 : found.svgbob;
  console.log(`${all.length ? "FAIL" : "ok  "} ${name}: ${found.mermaid} mermaid, ${found.svgbob} svgbob`);
  for (const p of all) console.log(`       ${p}`);
  for (const n of found.notes) console.log(`       note: ${n}`);
  problems += all.length;
  await page.close();
}
await browser.close();
console.log(
  `\n${pages.length} pages at ${width} px, ${pictures.mermaid + pictures.svgbob} pictures ` +
    `(${pictures.mermaid} mermaid, ${pictures.svgbob} svgbob; not counted again in print.html and index.html), ` +
    `${problems} problems; screenshots in ${out}`,
);
if (chineseFonts.size) console.log(`Chinese text drawn with: ${[...chineseFonts].join("; ")}`);
process.exit(problems ? 1 : 0);
