// What a listener hears of a response, shared by the end-to-end tests.

'use strict';

// The words: tags dropped, entities decoded, spaces collapsed.
function heard(response) {
  const speech = response.response.outputSpeech || {};
  return (speech.ssml || speech.text || '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

module.exports = { heard };
