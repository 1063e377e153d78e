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
