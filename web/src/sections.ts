/**
 * The web UI's top-level paths. The server answers each of them (and anything below them) with the
 * UI's index.html, so that a deep link or a reload lands on the right page; any other path stays a 404.
 */
export const UI_SECTIONS = ['login', 'topology', 'subnets', 'vms', 'hosts', 'findings', 'changes'] as const;
export type UiSection = (typeof UI_SECTIONS)[number];
