// How far a layer is from the model's logits, as the engine counts it (a layer's depth: layers on
// the shortest path): the farther from the head, the more a map shows generic features (edges,
// textures) than the class.

export function distanceText(distance) {
  if (distance === undefined) return '';
  return distance === 1 ? '1 layer from the logits' : `${distance} layers from the logits`;
}

// The same, short enough for a menu entry beside the layer's name and shape.
export function distanceLabel(distance) {
  return distance === undefined ? '' : `${distance} from logits`;
}

export const DISTANCE_NOTE = 'The farther a layer is from the head, the less class-specific its maps.';

// Short layer names: TensorFlow.js graph nodes carry a scope every node shares
// ("StatefulPartitionedCall/model_1/") and an op ("/BiasAdd"); the part between is the Keras
// layer's name. Nodes that share a layer keep their full rest. -> Map(full name -> short name)
export function shortLayerNames(names) {
  let scope = names.length > 1 ? names[0].slice(0, names[0].lastIndexOf('/') + 1) : '';
  while (scope && !names.every((name) => name.startsWith(scope))) scope = scope.slice(0, scope.slice(0, -1).lastIndexOf('/') + 1);
  const rests = names.map((name) => name.slice(scope.length));
  const firsts = rests.map((rest) => rest.split('/')[0]);
  return new Map(names.map((name, i) => [name, firsts.filter((first) => first === firsts[i]).length > 1 ? rests[i] : firsts[i]]));
}
