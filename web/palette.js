// Day or night palette, set on <html data-palette> before the page is drawn. Night is red on black, as a
// chartplotter's night mode: it keeps the skipper's night vision. The device's own setting
// (prefers-color-scheme: dark) chooses until the owner presses "Night"; that choice is then remembered here.
'use strict';

const PALETTE_STORE = 'd3kos-palette';
const systemNight = window.matchMedia('(prefers-color-scheme: dark)');

function chosenPalette() {
  try {
    const stored = localStorage.getItem(PALETTE_STORE);
    if (stored === 'night' || stored === 'day') return stored;
  } catch { /* storage refused: follow the device */ }
  return systemNight.matches ? 'night' : 'day';
}

function applyPalette() {
  const palette = chosenPalette();
  document.documentElement.dataset.palette = palette;
  const button = document.getElementById('night');
  if (button) button.setAttribute('aria-pressed', String(palette === 'night'));
}

applyPalette();
systemNight.addEventListener('change', applyPalette);
document.addEventListener('DOMContentLoaded', () => {
  applyPalette();
  document.getElementById('night').addEventListener('click', () => {
    try {
      localStorage.setItem(PALETTE_STORE, chosenPalette() === 'night' ? 'day' : 'night');
    } catch { /* not remembered, still switched below */ }
    applyPalette();
  });
});
