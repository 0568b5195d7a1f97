// Where an integration's events go, in the plugin's words: the integration answer carries its
// summary (labelled facts, a phrase for sentences, a line of advice), so this page holds no vendor's
// words. Shown prominently: a wrong destination is the first cause of "no events appearing".

/** [label, value] rows of the installation's facts (the account, where it is hosted, the endpoint: whatever the plugin names). */
export function environmentOf(integration) {
  return (integration.summary?.facts ?? []).map((f) => [f.label, f.value]);
}

/** The destination in a phrase that completes "sends to <vendor> …": for dialogs. */
export function environmentWords(integration) {
  const words = integration.summary?.destination;
  return words ? words : '';
}

/** A message for the next drawing of a page (after an action that re-renders it). */
let flash;
export function flashNext(message) {
  flash = message;
}
export function takeFlash() {
  const message = flash;
  flash = undefined;
  return message;
}
