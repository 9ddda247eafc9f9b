import { defineCommand, refuse, registry, type DecisionResult, type Evolver } from '@pc/domain';

/**
 * A tiny command set that exercises the platform without depending on the real domain: creation,
 * no-op, refusals of every kind, one-time secrets, and a stream whose appends always conflict.
 */
interface Widget {
  exists: boolean;
  name: string;
}

const widgetEvolver: Evolver<Widget> = {
  initialState: { exists: false, name: '' },
  evolve: (state, event) => {
    const data = event.data as { name?: string };
    if (event.type === 'WidgetCreated' || event.type === 'WidgetRenamed')
      return { exists: true, name: data.name ?? '' };
    return state;
  },
};
const counterEvolver: Evolver<number> = { initialState: 0, evolve: (n) => n + 1 };

const widget = (payload: { widgetId: string }) => ({
  widget: { stream: `widget-${payload.widgetId}`, evolver: widgetEvolver },
});

export const testCommands = registry(
  defineCommand<{ widgetId: string; name: string; partnerId: string }>({
    type: 'CreateWidget',
    primary: 'widget',
    streams: widget,
    decide: (payload, loaded) => {
      if ((loaded.widget.state as Widget).exists) {
        refuse(
          'widget-already-exists',
          `Widget '${payload.widgetId}' already exists.`,
          { widgetId: payload.widgetId },
          'conflict',
        );
      }
      return {
        events: {
          widget: [
            {
              type: 'WidgetCreated',
              data: { widgetId: payload.widgetId, name: payload.name, partnerId: payload.partnerId },
            },
          ],
        },
        ids: { widgetId: payload.widgetId },
      };
    },
  }),
  defineCommand<{ widgetId: string; name: string }>({
    type: 'RenameWidget',
    primary: 'widget',
    streams: widget,
    decide: (payload, loaded): DecisionResult => {
      const state = loaded.widget.state as Widget;
      if (!state.exists)
        refuse(
          'widget-not-found',
          `Widget '${payload.widgetId}' was not found.`,
          { widgetId: payload.widgetId },
          'not-found',
        );
      if (state.name === payload.name) return { events: {} };
      return { events: { widget: [{ type: 'WidgetRenamed', data: { name: payload.name } }] } };
    },
  }),
  defineCommand<{ widgetId: string }>({
    type: 'RejectWidget',
    primary: 'widget',
    streams: widget,
    decide: (payload) =>
      refuse('widget-limit-reached', 'The partner already has 3 widgets.', {
        widgetId: payload.widgetId,
        limit: 3,
      }),
  }),
  defineCommand<{ widgetId: string }>({
    type: 'ForbidWidget',
    primary: 'widget',
    streams: widget,
    decide: () =>
      refuse('not-a-global-admin', 'Only a global admin may do this.', { userId: 'u1' }, 'forbidden'),
  }),
  defineCommand<{ id: string }>({
    type: 'TouchFlaky',
    primary: 'flaky',
    streams: (payload) => ({ flaky: { stream: `flaky-${payload.id}`, evolver: counterEvolver } }),
    decide: () => ({ events: { flaky: [{ type: 'FlakyTouched', data: {} }] } }),
  }),
  defineCommand<{ userId: string }>({
    type: 'IssueSecret',
    primary: 'user',
    streams: (payload) => ({ user: { stream: `secret-user-${payload.userId}`, evolver: counterEvolver } }),
    decide: (payload, _loaded, ctx) => ({
      events: { user: [{ type: 'PasswordReset', data: { userId: payload.userId } }] },
      returned: { temporaryPassword: `pw-${ctx.newId('password').slice(0, 8)}` },
    }),
  }),
);
