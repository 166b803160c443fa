"""What the page says about itself to assistive technologies, in the person's language.

Streamlit declares ``<html lang="en">`` and gives its own controls English accessible names
("Send message", "Choose an option", "Help for …"); neither is configurable. A small script,
drawn once per run, sets the document's language and rewrites those known names with the
catalogue's words, again whenever Streamlit redraws them. Streamlit's theme has no setting for
the caption colour or the focus ring: a few CSS rules give captions a 4.5:1 contrast (WCAG AA)
and every link and button a visible keyboard focus.

What stays English: the names of Material icons drawn as text ligatures next to some labels are
hidden from screen readers by Streamlit; messages of Streamlit's own error screens (a lost
connection) are not reachable from here.
"""

from __future__ import annotations

import json

import streamlit as st

from builder_ui.web.state import language, tr

# Streamlit's own words -> the message that replaces them (exact, whole attribute or text).
STREAMLIT_WORDS = {
    "Send message": "ui.a11y.send_message",
    "Choose an option": "ui.a11y.choose_option",
    "Choose options": "ui.a11y.choose_options",
    "Clear all": "ui.a11y.clear_all",
    "Clear value": "ui.a11y.clear_value",
    "Open": "ui.a11y.open",
    "Close": "ui.a11y.close",
    "Sidebar": "ui.a11y.sidebar",
    "Collapse sidebar": "ui.a11y.collapse_sidebar",
    "Expand sidebar": "ui.a11y.expand_sidebar",
    "App pages": "ui.a11y.app_pages",
    "Main menu": "ui.a11y.main_menu",
    "Link to heading": "ui.a11y.heading_link",
    "Skip to main content": "ui.a11y.skip_to_content",
    "Increment": "ui.a11y.increment",
    "Decrement": "ui.a11y.decrement",
    "Browse files": "ui.a11y.browse_files",
    "Upload": "ui.a11y.upload",
    "Upload files": "ui.a11y.attach_files",  # the chat input's paper clip
    "Upload or drag and drop files": "ui.a11y.attach_or_drop_files",
    "Drag and drop file here": "ui.a11y.drop_file",
    "Drag and drop files here": "ui.a11y.drop_files",
    "Remove file": "ui.a11y.remove_file",
    "Delete": "ui.a11y.delete",
    "Show password text": "ui.a11y.show_password",
    "Hide password text": "ui.a11y.hide_password",
    "Copy to clipboard": "ui.a11y.copy",
    "Fullscreen": "ui.a11y.fullscreen",
    "Close fullscreen": "ui.a11y.close_fullscreen",
    "Feedback rating": "ui.a11y.feedback_rating",  # st.feedback under each answer
    "Thumbs up": "ui.a11y.thumbs_up",
    "Thumbs down": "ui.a11y.thumbs_down",
    "Chat message from user": "ui.a11y.message_from_person",
    "Chat message from assistant": "ui.a11y.message_from_assistant",
}
# Streamlit's words with a part that varies: a regular expression -> the message, whose
# parameter ``{x}`` receives the part.
STREAMLIT_PATTERNS = {
    r"^Help for (.+)$": "ui.a11y.help_for",
    r"^Limit (\d+)MB per file(.*)$": "ui.a11y.upload_limit",
}

CSS = """
<style>
/* Captions and help texts: Streamlit's faded grey is 3.88:1 on white; WCAG AA asks 4.5:1. */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] *,
[data-testid="stWidgetLabel"] [data-testid="stCaptionContainer"],
[data-testid="stFileUploaderDropzoneInstructions"] small,
[data-testid="stTooltipIcon"], [data-testid="stChatInputTextArea"]::placeholder,
input::placeholder, textarea::placeholder {
  color: #50525c !important; opacity: 1 !important;
}
/* A visible keyboard focus on every link and control (sidebar links had none). */
a:focus-visible, button:focus-visible, [role="tab"]:focus-visible, summary:focus-visible,
[data-testid="stSidebarNavLink"]:focus-visible {
  outline: 3px solid #1f4fd8 !important; outline-offset: 2px !important;
  box-shadow: 0 0 0 5px #ffffff !important;
}
</style>
"""

SCRIPT = """
<script>
(() => {
  const config = %s;
  const root = window.parent && window.parent.document ? window.parent.document : document;
  const state = (window.__atelierA11y = window.__atelierA11y || {});
  state.config = config;
  root.documentElement.lang = config.lang;
  const patterns = () => state.config.patterns.map(([p, m]) => [new RegExp(p), m]);
  const words = (text) => {
    const c = state.config;
    if (Object.prototype.hasOwnProperty.call(c.words, text)) return c.words[text];
    for (const [re, message] of patterns()) {
      const m = text.match(re);
      if (m) return message.replace("{x}", m[1]).replace("{rest}", m[2] || "");
    }
    return null;
  };
  const fix = () => {
    const lang = state.config.lang;
    if (root.documentElement.lang !== lang) root.documentElement.lang = lang;
    for (const el of root.querySelectorAll("[aria-label],[placeholder],[title]")) {
      for (const name of ["aria-label", "placeholder", "title"]) {
        const value = el.getAttribute(name);
        const better = value && words(value);
        if (better && better !== value) el.setAttribute(name, better);
      }
    }
    const walker = root.createTreeWalker(root.body, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const text = node.nodeValue.trim();
      if (!text || text.length > 80) continue;
      const better = words(text);
      if (better && better !== text) node.nodeValue = node.nodeValue.replace(text, better);
    }
  };
  if (!state.observer) {
    let queued = false;
    state.observer = new MutationObserver(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; fix(); });
    });
    state.observer.observe(root.documentElement, {
      subtree: true, childList: true, characterData: true, attributes: true,
      attributeFilter: ["aria-label", "placeholder", "title", "lang"],
    });
  }
  fix();
})();
</script>
"""


def page_words() -> dict[str, object]:
    """What the script needs: the language, and Streamlit's words in it."""
    return {
        "lang": language(),
        "words": {english: tr(key) for english, key in STREAMLIT_WORDS.items()},
        "patterns": [
            [pattern, tr(key, x="{x}", rest="{rest}")]
            for pattern, key in STREAMLIT_PATTERNS.items()
        ],
    }


def script() -> str:
    """The script, its data written as JSON that cannot close the ``<script>`` element."""
    data = json.dumps(page_words(), ensure_ascii=False).replace("</", "<\\\\/")
    return SCRIPT % data


def render() -> None:
    """Drawn by ``app.py`` on every run: the CSS and the script (no space taken on the page)."""
    st.html(CSS)
    st.html(script(), unsafe_allow_javascript=True)
