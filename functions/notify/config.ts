import { NotifierEnv } from '#shared/notify/notifier.ts';

/** notify's environment: the topic and the optional Slack webhook parameter. */
export const NotifyEnv = NotifierEnv;
