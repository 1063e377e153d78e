// A small SVG bar chart of speed-ups over the peers (peer time / camlens time), on a log scale, for
// the README: one bar per comparison, grouped, with lines at 1x (as fast) and at each group's
// target when it has one. Orange: short of the target; red: slower than the peer. Plain SVG text, no dependency.
const WIDTH = 760;
const LABEL_WIDTH = 330;
const BAR_HEIGHT = 16;
const ROW_GAP = 6;
const GROUP_GAP = 30;
const MIN_RATIO = 0.25;
const MAX_RATIO = 400;

const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function xOf(ratio) {
  const clamped = Math.min(Math.max(ratio, MIN_RATIO), MAX_RATIO);
  const span = Math.log(MAX_RATIO) - Math.log(MIN_RATIO);
  return LABEL_WIDTH + ((Math.log(clamped) - Math.log(MIN_RATIO)) / span) * (WIDTH - LABEL_WIDTH - 60);
}

// groups: [{ title, target (a ratio, optional), bars: [{ label, ratio }] }]
export function speedupChart(title, groups) {
  const parts = [];
  let y = 44;
  for (const group of groups) {
    parts.push(`<text x="8" y="${y}" font-weight="bold">${escape(group.title)}</text>`);
    y += 8;
    const top = y;
    for (const bar of group.bars) {
      const met = group.target === undefined || bar.ratio >= group.target;
      const color = bar.ratio < 1 ? '#c0392b' : met ? '#2e86c1' : '#e67e22';
      parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + BAR_HEIGHT - 4}" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${(xOf(bar.ratio) - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}"/>`,
        `<text x="${(xOf(bar.ratio) + 4).toFixed(1)}" y="${y + BAR_HEIGHT - 4}">${bar.ratio.toFixed(bar.ratio < 10 ? 2 : 1)}x</text>`);
      y += BAR_HEIGHT + ROW_GAP;
    }
    const bottom = y - ROW_GAP + 2;
    const one = xOf(1).toFixed(1);
    parts.push(`<line x1="${one}" y1="${top - 2}" x2="${one}" y2="${bottom}" stroke="#888"/>`);
    if (group.target === undefined || group.target >= 2) {  // else the target's label sits there
      parts.push(`<text x="${one}" y="${bottom + 11}" text-anchor="middle" font-size="10" fill="#555">1x</text>`);
    }
    if (group.target !== undefined && group.target !== 1) {
      const x = xOf(group.target).toFixed(1);
      parts.push(`<line x1="${x}" y1="${top - 2}" x2="${x}" y2="${bottom}" stroke="#333" stroke-dasharray="4 3"/>`,
        `<text x="${x}" y="${bottom + 11}" text-anchor="middle" font-size="10">target ${group.target}x</text>`);
    }
    y += GROUP_GAP;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
      'font-family="sans-serif" font-size="12">',
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}
