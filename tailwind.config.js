/** @type {import('tailwindcss').Config} */
const colors = require('tailwindcss/colors');
const plugin = require('tailwindcss/plugin');

// Dark mode without `dark:` classes: the palettes the templates use are
// CSS variables (space-separated RGB channels, so Tailwind's opacity
// modifiers still work), and dark mode redefines the variables. A template
// written once with `bg-white text-slate-900` reads well in both modes, so
// do not add `dark:` variants: they would flip a colour twice.
//
// Dark mode applies when the admin picked it (class "dark" on <html>, set
// by static/js/theme.js before the first paint), or when the system prefers
// it and the admin did not pick light (class "light").
const SHADES = [50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950];

// Neutral palettes turn around: the lightest background becomes the
// darkest, body text the lightest. Muted text (500) becomes 400, which
// keeps ≥ 4.5:1 on both the page and the card backgrounds.
const NEUTRAL_DARK = { 50: 950, 100: 800, 200: 700, 300: 600, 400: 500, 500: 400, 600: 300, 700: 200, 800: 100, 900: 50, 950: 50 };
// Accent palettes: tinted backgrounds (50–300) and text (700–900) swap;
// the solid middle (500–600, used under white text) stays.
const ACCENT_DARK = { 50: 950, 100: 900, 200: 800, 300: 700, 400: 400, 500: 500, 600: 600, 700: 300, 800: 200, 900: 100, 950: 50 };
// Indigo is the link colour: 500–700 as text must lighten on dark.
const LINK_DARK = { ...ACCENT_DARK, 500: 400, 600: 400, 700: 300 };

const PALETTES = {
  slate: NEUTRAL_DARK,
  gray: NEUTRAL_DARK,
  indigo: LINK_DARK,
  amber: ACCENT_DARK,
  red: ACCENT_DARK,
  green: ACCENT_DARK,
  emerald: ACCENT_DARK,
  rose: ACCENT_DARK,
};

function channels(hex) {
  const n = parseInt(hex.slice(1), 16);
  return `${(n >> 16) & 255} ${(n >> 8) & 255} ${n & 255}`;
}

function variables(dark) {
  const vars = { '--c-white': channels(dark ? colors.slate[900] : '#ffffff') };
  for (const [name, map] of Object.entries(PALETTES)) {
    for (const shade of SHADES) {
      vars[`--c-${name}-${shade}`] = channels(colors[name][dark ? map[shade] : shade]);
    }
  }
  return vars;
}

const themed = { white: 'rgb(var(--c-white) / <alpha-value>)' };
for (const name of Object.keys(PALETTES)) {
  themed[name] = Object.fromEntries(SHADES.map((s) => [s, `rgb(var(--c-${name}-${s}) / <alpha-value>)`]));
}

module.exports = {
  // Class names are found by scanning these files as plain text, so write
  // them out in full (no string concatenation) in templates and scripts.
  // The generated *_templ.go files are scanned too: they hold the same
  // literals as the .templ sources, and view models in .go files may pick
  // classes (e.g. a badge colour) in Go code.
  content: [
    './views/**/*.templ',
    './views/**/*.go',
    './static/js/**/*.js',
  ],
  darkMode: 'class',
  theme: {
    extend: {
      colors: {
        ...themed,
        // Close to the reference product's indigo, so screenshots compare
        // well. Not themed: it is the solid colour of primary buttons under
        // white text in both modes.
        brand: {
          50: '#f0f0ff',
          100: '#e0e0ff',
          200: '#c4c3ff',
          300: '#a09eff',
          400: '#7b79ff',
          500: '#5b58ff',
          600: '#4945ff',
          700: '#3732e0',
          800: '#2c28b3',
          900: '#24218a',
        },
      },
    },
  },
  plugins: [
    plugin(function ({ addBase }) {
      const dark = { ...variables(true), 'color-scheme': 'dark' };
      addBase({
        ':root': { ...variables(false), 'color-scheme': 'light' },
        '@media (prefers-color-scheme: dark)': { ':root:not(.light)': dark },
        ':root.dark': dark,
        // The component gallery draws each state in a light and a dark
        // frame on one page: each frame sets its own palette.
        '[data-theme-frame="light"]': { ...variables(false), 'color-scheme': 'light' },
        '[data-theme-frame="dark"]': dark,
      });
    }),
  ],
};
