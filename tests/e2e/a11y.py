"""Accessibility checks run in the browser on a rendered page: names, labels, language, headings, contrast.

Not a full WCAG audit: the checks a form-heavy government service most often fails, computed from the live DOM
and the computed styles (so a colour set in CSS is judged as the user sees it).
"""

CHECKS_JS = r"""
() => {
  const problems = [];
  const visible = (el) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0;
  };
  const describe = (el) => el.outerHTML.slice(0, 120);
  const accessibleName = (el) => {
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\s+/).map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    if (el.labels && el.labels.length) return Array.from(el.labels).map(l => l.textContent).join(' ').trim();
    if (el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type)) return (el.value || '').trim();
    if (el.tagName === 'IMG') return (el.getAttribute('alt') || '').trim();
    return (el.textContent || '').trim() || (el.getAttribute('title') || '').trim();
  };

  const lang = document.documentElement.getAttribute('lang');
  if (!lang) problems.push('html has no lang');
  if (!document.title.trim()) problems.push('page has no title');
  const h1s = Array.from(document.querySelectorAll('h1')).filter(visible);
  if (h1s.length !== 1) problems.push(`expected one visible h1, found ${h1s.length}`);

  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || !visible(el)) continue;
    if (!accessibleName(el)) problems.push('form control without a label: ' + describe(el));
  }
  for (const el of document.querySelectorAll('a[href], button')) {
    if (!visible(el)) continue;
    if (!accessibleName(el)) problems.push('link or button without a name: ' + describe(el));
  }
  for (const el of document.querySelectorAll('img')) {
    if (!el.hasAttribute('alt')) problems.push('image without alt: ' + describe(el));
  }
  for (const el of document.querySelectorAll('svg')) {
    if (!visible(el) || el.closest('[aria-hidden="true"]')) continue;
    const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.querySelector('title');
    if (!named && el.getAttribute('role') !== 'presentation') problems.push('svg without a title: ' + describe(el));
  }

  // Text contrast (WCAG AA): 4.5:1, or 3:1 for large text.
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let n = el; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (!t.textContent.trim() || !el || seen.has(el) || !visible(el)) continue;
    if (el.closest('svg') || el.closest('.sr-only') || el.closest('.skip-link')) continue;
    seen.add(el);
    const s = getComputedStyle(el);
    const fg = rgb(s.color).slice(0, 3);
    const [l1, l2] = [lum(fg), lum(background(el))].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`contrast ${ratio.toFixed(2)}:1 for "${t.textContent.trim().slice(0, 30)}" (${s.color})`);
    }
  }
  return problems;
}
"""


def accessibility_problems(page):
    """The problems found on the page as rendered now (an empty list when it passes)."""
    return page.evaluate(CHECKS_JS)


def keyboard_reaches(page, selector, *, max_tabs=60):
    """Whether pressing Tab from the top of the page focuses the element matching `selector`."""
    page.locator("body").focus()
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return True
    return False
