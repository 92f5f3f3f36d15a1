/** 524288 → "512 KB", 209715200 → "200 MB". */
export function formatSize(bytes: number): string {
	if (!Number.isFinite(bytes)) return 'any size';
	if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
	const mb = bytes / (1024 * 1024);
	return `${mb < 10 ? Math.round(mb * 10) / 10 : Math.round(mb)} MB`;
}
