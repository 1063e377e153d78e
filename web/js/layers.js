// How far each layer is from the model's output, counted in layers along the shortest path: the
// farther from the head, the more a map shows generic features (edges, textures) than the class.

// layers: [{name, inputs}] in the engine's order, the output last. -> Map name -> distance.
export function distancesToOutput(layers) {
  const distances = new Map();
  const output = layers[layers.length - 1]?.name;
  if (!output) return distances;
  // Breadth-first from the output back along the inputs: the first visit is the shortest path.
  const byName = new Map(layers.map((layer) => [layer.name, layer]));
  distances.set(output, 0);
  const queue = [output];
  while (queue.length) {
    const name = queue.shift();
    for (const input of byName.get(name)?.inputs ?? []) {
      if (distances.has(input) || !byName.has(input)) continue;
      distances.set(input, distances.get(name) + 1);
      queue.push(input);
    }
  }
  return distances;
}

export function distanceText(distance) {
  if (distance === undefined) return '';
  return distance === 1 ? '1 layer from the output' : `${distance} layers from the output`;
}

// The same, short enough for a menu entry beside the layer's name and shape.
export function distanceLabel(distance) {
  return distance === undefined ? '' : `${distance} from output`;
}

export const DISTANCE_NOTE = 'The farther a layer is from the head, the less class-specific its maps.';
