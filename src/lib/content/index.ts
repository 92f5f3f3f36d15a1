export { default as Callout } from './Callout.svelte';
export { default as Scenario } from './Scenario.svelte';
export { default as KnowledgeCheck } from './KnowledgeCheck.svelte';
export { default as WhoToContact } from './WhoToContact.svelte';
export { default as Term } from './Term.svelte';
export { default as Details } from './Details.svelte';
