// A listener's FAQ conversation, end to end: virtual-alexa turns utterances into requests with
// the skill package's en-US interaction model (as Alexa would), and sends them over HTTP to a
// running `feel-again serve` in local development mode. Run through run.sh, which starts the
// server and passes its URL in FEEL_AGAIN_URL.

'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { test } = require('node:test');
const { VirtualAlexa } = require('virtual-alexa');
const { heard } = require('./speech');

const MODEL = path.resolve(
  __dirname, '..', '..', 'intents', 'skill-package', 'interactionModels', 'custom', 'en-US.json');


function ssml(response) {
  const speech = response.response.outputSpeech || {};
  return speech.ssml || speech.text || '';
}

// An open turn keeps the microphone on, so it must ask something and carry a reprompt.
function assertOpenTurn(response, step) {
  assert.equal(response.response.shouldEndSession, false, `${step}: the session stays open`);
  assert.match(heard(response), /\?$/, `${step}: an open turn ends with a question`);
  assert.ok(response.response.reprompt && response.response.reprompt.outputSpeech,
    `${step}: an open turn has a reprompt`);
}

test('a listener asks about numbness, hears more, repeats, moves on, asks for help and stops',
  async (t) => {
    const url = process.env.FEEL_AGAIN_URL;
    assert.ok(url, 'FEEL_AGAIN_URL is not set: run tests/e2e/run.sh <feel-again binary>');
    const alexa = VirtualAlexa.Builder()
      .skillURL(url)
      .interactionModelFile(MODEL)
      .locale('en-US')
      .create();

    await t.test('the launch welcomes and asks what they would like', async () => {
      assertOpenTurn(await alexa.launch(), 'launch');
    });

    let answer;
    await t.test('a question about numbness is answered and remembered', async () => {
      answer = await alexa.utter('what is emotional numbness');
      assertOpenTurn(answer, 'question');
      assert.equal(answer.sessionAttributes && answer.sessionAttributes.lastTopic,
        'what-is-numbness', 'the topic is kept in sessionAttributes.lastTopic');
    });

    let more;
    await t.test('yes gives more on the same topic', async () => {
      more = await alexa.utter('yes');
      assertOpenTurn(more, 'yes');
      assert.notEqual(ssml(more), ssml(answer), 'yes says something new');
      assert.equal(more.sessionAttributes.lastTopic, 'what-is-numbness');
    });

    let again;
    await t.test('repeat says exactly the same again', async () => {
      again = await alexa.utter('repeat');
      assertOpenTurn(again, 'repeat');
      assert.equal(ssml(again), ssml(more), 'repeat gives the same speech');
    });

    await t.test('next moves on to something else', async () => {
      const next = await alexa.utter('next');
      assertOpenTurn(next, 'next');
      assert.notEqual(ssml(next), ssml(again), 'next says something new');
    });

    await t.test('help explains and asks what they would like', async () => {
      assertOpenTurn(await alexa.utter('help'), 'help');
    });

    await t.test('stop says goodbye and ends the session', async () => {
      const stop = await alexa.utter('stop');
      assert.equal(stop.response.shouldEndSession, true, 'stop ends the session');
      assert.ok(heard(stop).length > 0, 'stop says goodbye');
    });
  });
