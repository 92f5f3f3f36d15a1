import type { SubmitFunction } from '@sveltejs/kit';
/** 524288 → "512 KB", 209715200 → "200 MB". */
export function formatSize(bytes: number): string {
	if (!Number.isFinite(bytes)) return 'any size';
	if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
	const mb = bytes / (1024 * 1024);
	return `${mb < 10 ? Math.round(mb * 10) / 10 : Math.round(mb)} MB`;
}

/**
 * Enhancement for the package upload forms: refuses a file over the limit before uploading it,
 * and shows the form as busy while the server checks the zip.
 */
export function checkedUpload(
	limitBytes: number,
	show: {
		errors: (errors: Record<string, string> | undefined) => void;
		busy: (busy: boolean) => void;
	}
): SubmitFunction {
	return ({ formData, cancel }) => {
		show.errors(undefined);
		const file = formData.get('file');
		if (file instanceof File && file.size > limitBytes) {
			show.errors({
				file: `The file is ${formatSize(file.size)}; the largest package we accept is ${formatSize(limitBytes)}.`
			});
			cancel();
			return;
		}
		show.busy(true);
		return async ({ update }) => {
			show.busy(false);
			await update();
		};
	};
}
