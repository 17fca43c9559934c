// A listener's check-ins over several days, end to end through virtual-alexa against a running
// `feel-again serve`, with the Alexa APIs (device time zone, reminders) as the stand-in of
// alexa-stand-in.js started here on FEEL_AGAIN_API_PORT (run.sh allows the server to call it). Each request is stamped
// with a chosen day, as Alexa stamps it, so the days pass in the test. Run through run.sh.

'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { test, after } = require('node:test');
const { VirtualAlexa } = require('virtual-alexa');
const { heard } = require('./speech');
const { createStandIn } = require('./alexa-stand-in');

const MODEL = path.resolve(
  __dirname, '..', '..', 'intents', 'skill-package', 'interactionModels', 'custom', 'en-US.json');

const { server: standIn, calls: reminders } = createStandIn('America/Chicago');
after(() => standIn.close());

test('a listener checks in on several days, hears the week, sets and stops a reminder',
  async (t) => {
    assert.ok(process.env.FEEL_AGAIN_URL && process.env.FEEL_AGAIN_API_PORT,
      'run through tests/e2e/run.sh');
    await new Promise((resolve) => standIn.listen(Number(process.env.FEEL_AGAIN_API_PORT),
      '127.0.0.1', resolve));
    const alexa = VirtualAlexa.Builder()
      .skillURL(process.env.FEEL_AGAIN_URL)
      .interactionModelFile(MODEL)
      .locale('en-US')
      .create();
    let day = '2026-11-16';
    let screen = false;
    alexa.filter((request) => {
      request.request.timestamp = `${day}T18:00:00Z`;  // noon in Chicago
      request.context.System.apiEndpoint = `http://127.0.0.1:${process.env.FEEL_AGAIN_API_PORT}`;
      request.context.System.apiAccessToken = 'stand-in-token';
      request.context.System.device.deviceId = 'amzn1.ask.device.e2e-bedside';
      if (screen) {
        request.context.System.device.supportedInterfaces['Alexa.Presentation.APL'] =
          { runtime: { maxVersion: '2023.2' } };
      }
    });

    await t.test('the first check-in asks for consent once, then keeps it', async () => {
      await alexa.launch();
      const asked = await alexa.utter('check in');
      assert.match(heard(asked), /one to five/);
      await alexa.utter('today was a two');
      const consent = await alexa.utter('i feel numb');
      assert.match(heard(consent), /Shall I remember/);
      const kept = await alexa.utter('yes');
      assert.match(heard(kept), /kept today's check-in/);
      assert.match(heard(kept), /You named it numb/);
    });

    for (const [date, rating, feeling] of [['2026-11-18', 'four', 'calm'],
      ['2026-11-19', 'three', 'numb']]) {
      await t.test(`${date}: a check-in on another day`, async () => {
        await alexa.endSession();
        day = date;
        await alexa.launch();
        await alexa.utter('check in');
        await alexa.utter(`today was a ${rating}`);
        const kept = await alexa.utter(`i feel ${feeling}`);
        assert.match(heard(kept), /kept today's check-in/);
      });
    }

    await t.test('the week is summarised, with a chart on a screen', async () => {
      screen = true;
      const week = await alexa.utter('how have i been this week');
      screen = false;
      const said = heard(week);
      assert.match(said, /checked in 3 times/);
      assert.match(said, /average was 3 out of five/);
      assert.match(said, /used most was numb/);
      assert.match(said, /2 days in a row/);
      const render = (week.response.directives || []).find(
        (d) => d.type === 'Alexa.Presentation.APL.RenderDocument');
      assert.ok(render, 'the chart is rendered');
      assert.ok(render.datasources.chart.bars.length > 0, 'the chart has bars');
    });

    await t.test('a reminder is confirmed aloud, created, and stopped', async () => {
      const confirm = await alexa.intend('SetReminderIntent', { time: '21:30' });
      assert.match(heard(confirm), /9:30 PM/);
      const set = await alexa.utter('yes');
      assert.match(heard(set), /remind you every day/);
      assert.equal(reminders.created.length, 1);
      assert.equal(reminders.created[0].trigger.timeZoneId, 'America/Chicago');
      const stopped = await alexa.utter('stop my reminder');
      assert.match(heard(stopped), /stopped your daily reminder/);
      assert.deepEqual(reminders.deleted, ['token-1']);
    });
  });
