import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { mdsvex } from 'mdsvex';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	extensions: ['.svelte', '.svx'],
	preprocess: [vitePreprocess(), mdsvex({ extensions: ['.svx'] })],
	kit: {
		adapter: adapter(),
		// Nonces for SvelteKit's own inline scripts; everything else must come from our origin.
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none'],
				'base-uri': ['self'],
				'object-src': ['none']
			}
		},
		// The same origin check runs in hooks.server.ts (src/lib/server/http/csrf.ts), exempting only
		// the SAML assertion consumer service, which identity providers post to from their origin.
		csrf: { trustedOrigins: ['*'] },
		alias: {
			$content: 'content'
		},
		// Scripts and tool configs join the one TypeScript project, so that svelte-check types them
		// and typed linting needs no second, per-file program for them (eslint.config.js).
		typescript: {
			config: (tsconfig) => {
				tsconfig.include.push(
					'../scripts/**/*.ts',
					'../drizzle.config.ts',
					'../playwright.config.ts'
				);
			}
		}
	}
};

export default config;
