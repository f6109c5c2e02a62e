"""The card page's only style and script, inline, and the CSP that allows exactly them.

No external resources: the page must render from one response (plus its badge images) for
readers behind strict proxies and in archives. The script only wires the copy buttons.
"""

from __future__ import annotations

import base64
import functools
import hashlib

__all__ = ["SCRIPT", "STYLE", "content_security_policy"]

STYLE = """
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--code:#f6f8fa;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--code:#151b23;--accent:#4493f8}}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg)}
main{max-width:860px;margin:0 auto;padding:24px 16px}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.15em;margin:28px 0 8px;border-bottom:1px solid var(--line)}
a{color:var(--accent)}.muted{color:var(--muted)}.badges img{margin:0 6px 6px 0;vertical-align:middle}
table{border-collapse:collapse}th,td{text-align:left;padding:3px 12px 3px 0;vertical-align:top}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--code);border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;
white-space:pre-wrap;word-break:break-word}
.block{position:relative}.block button{position:absolute;top:6px;right:6px}
button{font:inherit;font-size:13px;padding:2px 10px;border:1px solid var(--line);border-radius:6px;
background:var(--code);color:var(--fg);cursor:pointer}
td code{word-break:break-all}
.embed main{padding:12px}.embed h1{font-size:1.25em}.embed table{font-size:13px}
.embed ul.authors{padding:0;margin:4px 0}.embed ul.authors li{display:inline;margin-right:10px}
""".strip()

SCRIPT = """
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var text = document.getElementById(button.getAttribute("data-copy")).textContent;
    var done = function () { button.textContent = "Copied"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { button.textContent = "Copy failed"; });
    } else {
      var area = document.createElement("textarea");
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand("copy"); done(); } finally { document.body.removeChild(area); }
    }
  });
});
""".strip()


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


@functools.cache
def content_security_policy(badge_origin: str = "'self'") -> str:
    """The ``Content-Security-Policy`` for a card page: our inline style and script, badges, nothing else.

    ``data:`` images only for the page's empty icon.
    ``frame-ancestors *`` because embedding the card anywhere is the point of the embed page.
    """
    return (
        f"default-src 'none'; img-src {badge_origin} data:; style-src {_sha256(STYLE)}; "
        f"script-src {_sha256(SCRIPT)}; base-uri 'none'; form-action 'none'; frame-ancestors *"
    )
