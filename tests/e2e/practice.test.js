// A new listener's exercises and journaling, end to end through virtual-alexa (the en-US
// interaction model, as Alexa would resolve it) against a running `feel-again serve`: every
// exercise by voice alone, pausing one and picking it up in a later session, a journaling
// session with a kept note, and erasing what was kept. Run through run.sh.

'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { test } = require('node:test');
const { VirtualAlexa } = require('virtual-alexa');
const { heard } = require('./speech');

const MODEL = path.resolve(
  __dirname, '..', '..', 'intents', 'skill-package', 'interactionModels', 'custom', 'en-US.json');


function state(response) {
  return (response.sessionAttributes || {}).state;
}

// The silences of an answer, in seconds, adjacent breaks added up.
function pauses(response) {
  const ssml = (response.response.outputSpeech || {}).ssml || '';
  const found = [];
  let last = -1;
  for (const match of ssml.matchAll(/<break time="(\d+)(ms|s)"\/>/g)) {
    const seconds = Number(match[1]) / (match[2] === 'ms' ? 1000 : 1);
    if (last >= 0 && match.index === last) found[found.length - 1] += seconds;
    else found.push(seconds);
    last = match.index + match[0].length;
  }
  return found;
}

function newListener() {
  return VirtualAlexa.Builder()
    .skillURL(process.env.FEEL_AGAIN_URL)
    .interactionModelFile(MODEL)
    .locale('en-US')
    .create();
}

// Says the exercise's name, then "next" until it is over; returns every answer.
async function wholeExercise(alexa, utterance) {
  const answers = [await alexa.utter(utterance)];
  while (state(answers[answers.length - 1]) === 'exercise' && answers.length < 20) {
    answers.push(await alexa.utter('next'));
  }
  return answers;
}

test('a new listener does every exercise by voice alone', async (t) => {
  assert.ok(process.env.FEEL_AGAIN_URL, 'FEEL_AGAIN_URL is not set: run tests/e2e/run.sh');
  const alexa = newListener();
  await alexa.launch();
  const phrases = {
    'box breathing': 'start box breathing for two minutes',
    'slow breathing': 'start a breathing exercise',
    'body scan': 'guide me through a body scan',
    grounding: "let's do grounding",
    'feelings check': 'start a feelings check',
  };
  for (const [name, phrase] of Object.entries(phrases)) {
    await t.test(`${name}: "${phrase}" leads through to the end and asks what they noticed`,
      async () => {
        const answers = await wholeExercise(alexa, phrase);
        const first = answers[0];
        assert.equal(first.response.shouldEndSession, false, 'the exercise keeps the session');
        assert.ok(pauses(first).length > 0, 'the exercise has silences in it');
        assert.ok(pauses(first).every((s) => s > 0 && s <= 60), 'every silence is a paced pause');
        const last = answers[answers.length - 1];
        assert.equal(state(last), 'reflect', 'it ends by asking what they noticed');
        assert.match(heard(last), /notice/);
      });
  }
  await t.test('box breathing keeps its pattern: four seconds after every cue', async () => {
    const answers = await wholeExercise(alexa, 'start box breathing for one minute');
    const ssml = answers.map((a) => a.response.outputSpeech.ssml).join('');
    const cues = [...ssml.matchAll(/<s>(Breathe in\.|Hold\.|And out\.)<\/s>((?:<break time="\d+s"\/>)*)/g)];
    assert.ok(cues.length >= 8, `cues said: ${cues.length}`);
    for (const cue of cues) {
      const seconds = [...cue[2].matchAll(/(\d+)s/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      assert.equal(seconds, 4, `the pause after "${cue[1]}"`);
    }
  });
});

test('a paused exercise is picked up in a later session, and erased on request', async (t) => {
  const alexa = newListener();
  await alexa.launch();
  await t.test('pause in the middle ends the session saying how to resume', async () => {
    const started = await alexa.utter('start a body scan for five minutes');
    assert.equal(state(started), 'exercise');
    const paused = await alexa.utter('pause');
    assert.equal(paused.response.shouldEndSession, true);
    assert.match(heard(paused), /resume/);
  });
  await t.test('the next launch offers to pick it up, and yes goes on from the same place',
    async () => {
      await alexa.endSession();
      const launch = await alexa.launch();
      assert.match(heard(launch), /paused the body scan/);
      const resumed = await alexa.utter('yes');
      assert.doesNotMatch(heard(resumed), /Start with your feet/, 'not from the beginning');
      assert.equal(state(resumed), 'exercise');
    });
  await t.test('delete my data, confirmed, forgets the paused exercise', async () => {
    const asked = await alexa.utter('delete my data');
    assert.equal(state(asked), 'delete');
    const done = await alexa.utter('yes');
    assert.match(heard(done), /deleted/);
    await alexa.endSession();
    const launch = await alexa.launch();
    assert.doesNotMatch(heard(launch), /paused/);
  });
});

test('a journaling session with consent, a kept note read back, then erased', async (t) => {
  const alexa = newListener();
  await alexa.launch();
  await t.test('journaling asks once before keeping anything', async () => {
    const asked = await alexa.utter('journal about my body');
    assert.equal(state(asked), 'consent');
    const first = await alexa.utter('yes');
    assert.equal(state(first), 'journal');
    assert.match(heard(first), /first prompt/);
  });
  await t.test('three prompts, then an offer to breathe', async () => {
    assert.equal(state(await alexa.utter('next')), 'journal');
    assert.equal(state(await alexa.utter('next')), 'offer-breathing');
  });
  await t.test('a note is kept and read back, even in a later session', async () => {
    const kept = await alexa.utter('note that my shoulders felt lighter');
    assert.match(heard(kept), /kept that note/);
    await alexa.endSession();
    await alexa.launch();
    const read = await alexa.utter('read my last note');
    assert.match(heard(read), /my shoulders felt lighter/);
  });
  await t.test('delete my data erases the note', async () => {
    await alexa.utter('delete my data');
    await alexa.utter('yes');
    const read = await alexa.utter('read my last note');
    assert.doesNotMatch(heard(read), /shoulders/);
  });
});
