import { json, type RequestHandler } from '@sveltejs/kit';
import { db } from '$lib/server/app';
import { publishedKeys } from '$lib/server/certificates/keys';
import { keysUrl } from '$lib/server/certificates/credential';
import { publicOrigin } from '$lib/server/certificates/service';

/**
 * The public keys that sign certificates, as a W3C controller document: each key is a Multikey
 * (Ed25519, publicKeyMultibase) with id `<this URL>#<key id>`, the id that credentials' proofs
 * name. Retired keys (rotated out; no longer signing) stay listed so that what they signed still
 * verifies. Anyone may fetch it, from anywhere.
 */
export const GET: RequestHandler = async ({ url }) => {
	const origin = publicOrigin(url);
	const id = keysUrl(origin);
	const keys = await publishedKeys(db());
	const methods = keys.map((k) => ({
		id: `${id}#${k.keyId}`,
		type: 'Multikey',
		controller: id,
		publicKeyMultibase: k.multibase
	}));
	return json(
		{
			'@context': ['https://www.w3.org/ns/cid/v1'],
			id,
			verificationMethod: methods,
			assertionMethod: methods.map((m) => m.id)
		},
		{
			headers: {
				'Access-Control-Allow-Origin': '*',
				'Cache-Control': 'public, max-age=300',
				'X-Robots-Tag': 'noindex'
			}
		}
	);
};
