/** `demo`: the demo tools. */
export const demo = {
  type: 'boolean',
  default: false,
  description: 'Register the demo tools (echo, add, sleep, fail, ask, route, whoami), a resource and a prompt, as --demo does.',
} as const;
