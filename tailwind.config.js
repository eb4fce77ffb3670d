/** @type {import('tailwindcss').Config} */
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
  theme: {
    extend: {
      colors: {
        // Close to the reference product's indigo, so screenshots compare well.
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
  plugins: [],
};
