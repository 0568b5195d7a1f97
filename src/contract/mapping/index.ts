export { mapEvent, ruleKeyOf, type MappedEvent, type MappingHooks } from './blueprint-mapper.js';
export { compilePath, nullOnPath, ownValue, readPath, type Path, type Scope } from './paths.js';
export { setOwn } from './records.js';
export { parseTemplate, renderTemplate, type TemplatePart } from './template.js';
export { asText, jsonText, quoted } from './text.js';
export { applyTransform, type TransformOutcome } from './transforms.js';
