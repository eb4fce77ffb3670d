// Loaded blocking in <head>, before the stylesheet paints anything: marks
// the document as scripted (the phone menu needs JavaScript; without it the
// navigation stays in the page's flow) and applies the admin's chosen
// theme, so a dark page never flashes light. "system" (the default) sets no
// class and lets the stylesheet's prefers-color-scheme query decide.
(function () {
  'use strict';
  var root = document.documentElement;
  root.classList.add('js');
  var theme = null;
  try {
    theme = window.localStorage.getItem('tokenadmin-theme');
  } catch (e) {
    theme = null; // storage may be disabled; the system's preference applies
  }
  if (theme === 'light' || theme === 'dark') root.classList.add(theme);
})();
