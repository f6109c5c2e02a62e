// Regenerate tests/unit/card/golden/shields_flat.json: badge-maker's own flat badges.
//
// Our renderer (services/card/domain/badges/svg.py) must reproduce these byte for byte.
//   cd /tmp && npm install badge-maker@6.0.0
//   cp services/card/tools/gen_shields_goldens.mjs /tmp && cd /tmp && node gen_shields_goldens.mjs <repo>/tests/unit/card/golden/shields_flat.json
// (it must run from the folder where badge-maker is installed, so the import resolves)
import { writeFileSync } from 'node:fs'
import { makeBadge } from 'badge-maker'

const cases = [
  ['provenance', 'verified', 'brightgreen'],
  ['provenance', 'unverified', 'red'],
  ['reproduced', 'none yet', 'lightgrey'],
  ['reproduced', '3 · best 0.982', 'brightgreen'],
  ['reproduced', '1 · best 0.912', 'yellow'],
  ['fidelity', '0.982', 'brightgreen'],
  ['fidelity', '0.871', 'red'],
  ['backend', 'ibm/ibm_kyiv', 'blue'],
  ['attested', 'none', 'lightgrey'],
  ['attested', 'EU AI Act, ISO 27001', 'brightgreen'],
  ['provenance', 'withdrawn', 'lightgrey'],
  ['authors', 'Zoë Ñúñez, 李雷', 'blue'],
  ['a<b & "c"', "it's >", 'orange'],
  ['', 'no label', 'green'],
  ['emoji', '⚛️ 🧪 quantum', 'yellowgreen'],
  ['  padded  ', '  spaces  kept inside  ', '#dfb317'],
  ['light', 'dark text', 'fe7d37'],
  ['WWWWWWWWWW', 'iiiiiiiiii', '#4c1'],
]

const goldens = cases.map(([label, message, color]) => ({
  label,
  message,
  color,
  svg: makeBadge({ label, message, color, style: 'flat' }),
}))
writeFileSync(process.argv[2], JSON.stringify({ generator: 'badge-maker@6.0.0', goldens }, null, 1) + '\n')
console.log(`wrote ${goldens.length} badges`)
