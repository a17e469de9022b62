// Render a Graphviz DOT graph (stdin) as SVG or PNG (stdout), for `exo-cdk graph`.
// Graphviz runs as WebAssembly (@hpcc-js/wasm-graphviz), PNG comes from resvg
// (@resvg/resvg-js, a prebuilt binary inside its npm package): no system package.
"use strict";
const format = process.argv[2];
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", async () => {
  const { Graphviz } = require("@hpcc-js/wasm-graphviz");
  const graphviz = await Graphviz.load();
  const svg = graphviz.dot(Buffer.concat(chunks).toString("utf8"), "svg");
  if (format === "svg") {
    process.stdout.write(svg);
    return;
  }
  const { Resvg } = require("@resvg/resvg-js");
  const png = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  }).render().asPng();
  process.stdout.write(png);
});
