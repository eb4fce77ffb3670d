// tokenadmin's only hand-written script. The CSP allows scripts from 'self'
// alone, so every behaviour lives here and is bound by event delegation on
// document: content swapped in by htmx works without re-binding. State that
// has to be recomputed (checkbox states) is refreshed by init() on load and
// after every htmx swap.
(function () {
  'use strict';

  var PERMISSION = 'input[type="checkbox"][name="permissions"]';

  function closest(node, selector) {
    while (node && node.nodeType !== 1) node = node.parentNode;
    return node && node.closest ? node.closest(selector) : null;
  }

  function each(root, selector, fn) {
    if (!root || !root.querySelectorAll) return;
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  // --- Live region -------------------------------------------------------

  // The region is in every page's markup from the start: screen readers
  // ignore changes to a live region that was itself just inserted.
  function announce(message) {
    var region = document.getElementById('app-live-region');
    if (!region) return;
    // Screen readers announce a change, so clear first to repeat a message.
    region.textContent = '';
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  // --- Phone navigation --------------------------------------------------

  // Below md the navigation is a panel opened by the header's menu button.
  // Opening moves focus into it; Escape, the backdrop or the button close
  // it and give focus back to the button.
  function sidebarToggle() {
    return document.querySelector('[data-sidebar-toggle]');
  }

  function setSidebar(open, restoreFocus) {
    var toggle = sidebarToggle();
    var sidebar = toggle && document.getElementById(toggle.getAttribute('aria-controls'));
    if (!sidebar) return;
    var backdrop = document.querySelector('[data-sidebar-backdrop]');
    sidebar.classList.toggle('is-open', open);
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (backdrop) backdrop.hidden = !open;
    if (open) {
      var current = sidebar.querySelector('[aria-current="page"]') || sidebar.querySelector('a, button');
      if (current) current.focus();
    } else if (restoreFocus) {
      toggle.focus();
    }
  }

  function sidebarOpen() {
    var toggle = sidebarToggle();
    return !!toggle && toggle.getAttribute('aria-expanded') === 'true';
  }

  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && sidebarOpen()) {
      event.preventDefault();
      setSidebar(false, true);
    }
  });

  // Widening the window past md shows the navigation in place: drop the
  // open state so the backdrop does not linger.
  if (window.matchMedia) {
    var wide = window.matchMedia('(min-width: 768px)');
    var onWide = function () { if (wide.matches && sidebarOpen()) setSidebar(false, false); };
    if (wide.addEventListener) wide.addEventListener('change', onWide);
  }

  // --- Theme ---------------------------------------------------------------

  // theme.js applied the stored choice before the first paint; the switch
  // shows it and changes it at once, without a reload.
  var THEME_KEY = 'tokenadmin-theme';

  function storedTheme() {
    try {
      var t = window.localStorage.getItem(THEME_KEY);
      return t === 'light' || t === 'dark' ? t : 'system';
    } catch (e) {
      return 'system';
    }
  }

  function setTheme(theme) {
    var root = document.documentElement;
    root.classList.remove('light', 'dark');
    if (theme === 'light' || theme === 'dark') root.classList.add(theme);
    try {
      if (theme === 'system') window.localStorage.removeItem(THEME_KEY);
      else window.localStorage.setItem(THEME_KEY, theme);
    } catch (e) {
      // Storage disabled: the choice holds for this page only.
    }
  }

  function initThemeSwitch() {
    each(document, '[data-theme-select]', function (select) { select.value = storedTheme(); });
  }

  // --- Leaving with unsaved input ----------------------------------------

  // Leaving a page asks first when a form that changes something has been
  // edited and not submitted, or while a one-time key is on screen (it is
  // never shown again). The browser words the question itself.
  function changesState(form) {
    return (form.getAttribute('method') || '').toLowerCase() === 'post' ||
      form.hasAttribute('hx-post') || form.hasAttribute('hx-put');
  }

  // Only the admin's own pages: a sign-in form loses nothing worth a
  // question.
  function markDirty(event) {
    var form = closest(event.target, '#content form');
    if (form && changesState(form) && !closest(event.target, 'dialog')) {
      form.setAttribute('data-unsaved', '');
    }
  }

  function markSaved(form) {
    if (form && form.removeAttribute) form.removeAttribute('data-unsaved');
  }

  document.addEventListener('input', markDirty);
  document.addEventListener('submit', function (event) { markSaved(event.target); });
  document.addEventListener('htmx:beforeRequest', function (event) {
    var elt = event.detail && event.detail.elt;
    markSaved(elt && (elt.tagName === 'FORM' ? elt : closest(elt, 'form')));
  });

  window.addEventListener('beforeunload', function (event) {
    if (!document.querySelector('form[data-unsaved], [data-testid="token-value"]')) return;
    event.preventDefault();
    event.returnValue = '';
  });

  // --- Dialogs -----------------------------------------------------------

  function openDialog(dialog) {
    if (!dialog.open) dialog.showModal();
    var first = dialog.querySelector('[autofocus]') || dialog.querySelector('button');
    if (first) first.focus();
  }

  function closeDialog(dialog) {
    if (dialog && dialog.open) dialog.close();
  }

  // --- Copy button -------------------------------------------------------

  var copyTimers = new WeakMap();

  function setCopyLabel(button, text) {
    var label = button.querySelector('[data-copy-label]') || button;
    if (label.getAttribute('data-copy-original') === null) {
      label.setAttribute('data-copy-original', label.textContent);
    }
    label.textContent = text;
    window.clearTimeout(copyTimers.get(button));
    copyTimers.set(button, window.setTimeout(function () {
      label.textContent = label.getAttribute('data-copy-original');
      label.removeAttribute('data-copy-original');
    }, 2000));
    announce(text);
  }

  function selectText(element) {
    var selection = window.getSelection && window.getSelection();
    if (!selection) return;
    var range = document.createRange();
    range.selectNodeContents(element);
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyBySelection(button, target) {
    var ok = false;
    try {
      selectText(target);
      ok = document.execCommand('copy');
    } catch (e) {
      ok = false;
    }
    // On failure the text stays selected, ready for the keyboard shortcut.
    setCopyLabel(button, ok ? 'Copied' : 'Press Ctrl+C to copy');
  }

  function copyToken(button) {
    var target = document.getElementById(button.getAttribute('data-copy-target') || '');
    if (!target) return;
    var text = target.textContent.trim();
    if (!navigator.clipboard || typeof navigator.clipboard.writeText !== 'function') {
      copyBySelection(button, target);
      return;
    }
    navigator.clipboard.writeText(text).then(function () {
      setCopyLabel(button, 'Copied');
    }, function () {
      copyBySelection(button, target);
    });
  }

  // --- Permissions: tri-state select-all and type coupling ---------------

  function syncGroup(group) {
    var all = group.querySelector('[data-testid="select-all"]');
    if (!all) return;
    var boxes = group.querySelectorAll(PERMISSION);
    var checked = 0;
    var enabled = 0;
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.checked) checked++;
      if (!box.disabled) enabled++;
    });
    all.checked = boxes.length > 0 && checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
    all.disabled = boxes.length > 0 && enabled === 0;
    var count = group.querySelector('[data-testid="group-count"]');
    if (count) count.textContent = checked + ' of ' + boxes.length;
  }

  // showHint shows the permissions hint for a preset type (the boxes are
  // set by it) or for a custom one (the admin ticks them).
  function showHint(form, type) {
    each(form, '[data-hint-type]', function (hint) {
      hint.hidden = hint.getAttribute('data-hint-type') !== (isPreset(type) ? 'preset' : 'custom');
    });
  }

  function toggleGroup(all) {
    var group = closest(all, '[data-testid="permission-group"]');
    if (!group) return;
    each(group, PERMISSION, function (box) {
      if (!box.disabled) box.checked = all.checked;
    });
    syncGroup(group);
  }

  // Keyed by the type <select>: when htmx replaces the form, the new select
  // starts afresh from what the server rendered.
  var typeState = new WeakMap();

  function isPreset(type) {
    return type === 'read-only' || type === 'full-access';
  }

  function presetAllows(type, action) {
    return type === 'full-access' || /\.(find|findOne)$/.test(action);
  }

  function applyType(select) {
    var form = closest(select, '[data-testid="token-form"]');
    // A disabled select means the admin may not edit: leave the server's rendering.
    if (!form || select.matches(':disabled')) return;
    var state = typeState.get(select);
    var first = !state;
    if (first) {
      state = { type: null, custom: {} };
      typeState.set(select, state);
    }
    var type = select.value;
    if (type === state.type) return;
    var leavingCustom = !first && !isPreset(state.type);
    each(form, PERMISSION, function (box) {
      if (leavingCustom) state.custom[box.value] = box.checked;
      if (isPreset(type)) {
        box.checked = presetAllows(type, box.value);
        box.disabled = true;
      } else {
        // On first sight what the server rendered is the custom choice.
        if (!first) box.checked = !!state.custom[box.value];
        box.disabled = false;
      }
    });
    state.type = type;
    showHint(form, type);
    each(form, '[data-testid="permission-group"]', syncGroup);
  }

  // --- Wiring ------------------------------------------------------------

  function init() {
    initThemeSwitch();
    // A form answered with field errors keeps what was typed, unsaved.
    each(document, '#content form', function (form) {
      if (changesState(form) && form.querySelector('[data-testid="field-error"]')) form.setAttribute('data-unsaved', '');
    });
    each(document, '[data-testid="token-form"] select[name="type"]', applyType);
    each(document, '[data-testid="permission-group"]', syncGroup);
  }

  document.addEventListener('click', function (event) {
    if (closest(event.target, '[data-sidebar-toggle]')) {
      setSidebar(!sidebarOpen(), true);
      return;
    }
    if (closest(event.target, '[data-sidebar-backdrop]')) {
      setSidebar(false, true);
      return;
    }
    var opener = closest(event.target, '[data-dialog-open]');
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute('data-dialog-open'));
      if (dialog && typeof dialog.showModal === 'function') {
        event.preventDefault();
        openDialog(dialog);
      }
      return;
    }
    var closer = closest(event.target, '[data-dialog-close]');
    if (closer) {
      event.preventDefault();
      closeDialog(closest(closer, 'dialog'));
      return;
    }
    var copy = closest(event.target, '[data-testid="copy-token"]');
    if (copy) {
      event.preventDefault();
      copyToken(copy);
      return;
    }
    var dismiss = closest(event.target, '[data-dismiss]');
    if (dismiss) {
      var flash = closest(dismiss, '[data-testid="flash"]');
      if (flash && flash.parentNode) flash.parentNode.removeChild(flash);
    }
  });

  document.addEventListener('change', function (event) {
    var target = event.target;
    if (!target || !target.matches) return;
    if (target.matches('[data-testid="select-all"]')) {
      toggleGroup(target);
    } else if (target.matches(PERMISSION)) {
      var group = closest(target, '[data-testid="permission-group"]');
      if (group) syncGroup(group);
    } else if (target.matches('[data-theme-select]')) {
      setTheme(target.value);
    } else if (target.matches('[data-testid="token-form"] select[name="type"]')) {
      applyType(target);
    }
    if (target.matches('select[data-describe]')) describeChoice(target);
  });

  // describeChoice writes the chosen option's data-text into the element
  // the select names (its aria-describedby): the expiry a duration gives,
  // what a token type may do.
  function describeChoice(select) {
    var line = document.getElementById(select.getAttribute('data-describe'));
    var option = select.options[select.selectedIndex];
    if (line && option) line.textContent = option.getAttribute('data-text') || '';
  }

  // Close the dialog a request came from once it has succeeded. 422 also
  // counts as "successful" for htmx (it swaps the form back with its
  // errors), and then the dialog must stay open.
  document.addEventListener('htmx:afterRequest', function (event) {
    var detail = event.detail || {};
    var xhr = detail.xhr;
    if (!detail.successful || !xhr || xhr.status < 200 || xhr.status > 299) return;
    var source = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    closeDialog(closest(source, 'dialog'));
  });

  // --- Focus after in-place updates ---------------------------------------

  // htmx swaps leave focus on <body> when the focused element is replaced.
  // Put it where the admin's next step is: the first invalid field after a
  // 422, the new key after create or regenerate, the next row (or the
  // create button) after a row is deleted.
  function firstFocusable(root) {
    return root && root.querySelector('a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled])');
  }

  function focusFirstInvalid(root) {
    var invalid = root && root.querySelector && root.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    return !!invalid;
  }

  document.addEventListener('htmx:beforeSwap', function (event) {
    var target = event.detail && event.detail.target;
    var row = target && target.matches && target.matches('tr') ? target : null;
    if (!row) return;
    var next = row.nextElementSibling || row.previousElementSibling;
    // The row is replaced or removed right after this event; look once
    // the swap has happened.
    window.setTimeout(function () {
      if (document.body.contains(row)) return;
      var focus = (next && document.body.contains(next) && firstFocusable(next)) ||
        document.querySelector('[data-testid="create-token"]') || document.getElementById('main');
      if (focus) focus.focus();
    }, 0);
  });

  document.addEventListener('htmx:afterSettle', function (event) {
    var root = event.detail && event.detail.elt;
    if (!root || !root.querySelector || !document.body.contains(root)) return;
    if (focusFirstInvalid(root)) return;
    var reveal = root.querySelector('[data-testid="token-reveal"]');
    if (reveal) {
      reveal.setAttribute('tabindex', '-1');
      reveal.focus();
      announce('Token saved. Copy the key now: it will not be shown again.');
    }
  });

  // A page answered 422 without htmx, signed in or not (sign-in, sign-up):
  // start at the first invalid field.
  function focusInvalidOnLoad() {
    if (document.activeElement && document.activeElement !== document.body) return;
    focusFirstInvalid(document);
  }

  // --- Grace countdown ---------------------------------------------------

  // The server renders how many milliseconds the old key's grace has left
  // (its clock, not the browser's, decides); the page counts down from
  // when it was rendered. Each element remembers its own deadline, so a
  // swapped-in panel starts afresh.
  var deadlines = new WeakMap();

  function pad2(n) { return n < 10 ? '0' + n : String(n); }

  function countdownText(ms) {
    if (ms <= 0) return 'Grace ended';
    var s = Math.ceil(ms / 1000);
    var days = Math.floor(s / 86400), hours = Math.floor(s % 86400 / 3600);
    var mins = Math.floor(s % 3600 / 60), secs = s % 60;
    if (days > 0) return days + 'd ' + hours + 'h';
    if (hours > 0) return hours + 'h ' + pad2(mins) + 'm';
    return mins + 'm ' + pad2(secs) + 's';
  }

  function tickCountdowns() {
    each(document, '[data-countdown-ms]', function (el) {
      if (!deadlines.has(el)) {
        deadlines.set(el, Date.now() + parseInt(el.getAttribute('data-countdown-ms'), 10));
      }
      var text = countdownText(deadlines.get(el) - Date.now());
      if (el.textContent !== text) el.textContent = text;
    });
  }
  window.setInterval(tickCountdowns, 1000);

  document.addEventListener('htmx:load', init);
  document.addEventListener('htmx:afterSettle', init);
  // Back/forward cache and form restoration can change checkbox states
  // after DOMContentLoaded.
  window.addEventListener('pageshow', init);
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
    document.addEventListener('DOMContentLoaded', focusInvalidOnLoad);
  } else {
    init();
    focusInvalidOnLoad();
  }
})();
