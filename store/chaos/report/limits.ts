// Every bound the report keeps, in one place. They exist so that a long run
// (200k operations, 16 clients, 10 minutes) still gives a file a browser opens
// quickly: the page grows with the run's duration and client count, never
// with its operation count past `individualOpsMax`.
//
// Worst case, roughly: individualOpsMax bars with a title of at most
// titleCharsMax characters (~0.4 kB each, 8 MB) plus the aggregated cells,
// fault windows, leader segments and buckets (each bounded below, < 3 MB).

/** Past this many operations, the per-client timeline is aggregated into cells. */
export const individualOpsMax = 20_000;
/** In an aggregated timeline: failed, unknown and pending operations still drawn one by one. */
export const highlightedOpsMax = 5_000;
/** Width of one aggregated timeline cell. */
export const aggregateCellPx = 3;

/** Horizontal scale of the timelines, clamped to the widths below. */
export const timelinePxPerSecond = 40;
export const timelineWidthPxMin = 900;
export const timelineWidthPxMax = 4_800;
/** Height of one client's row in the operations timeline. */
export const clientRowPx = 12;
/** Fault labels overlapping in time go to separate lanes above the rows; past this, to titles only. */
export const faultLabelLanesMax = 3;
/** Fault windows drawn and listed; the rest are counted. */
export const faultsDrawnMax = 2_000;
/** Leader segments narrower than this are merged into one "changing" segment. */
export const leaderSegmentPxMin = 2;

/** Throughput and latency are bucketed per second, unless that makes more buckets than this. */
export const throughputBucketMs = 1_000;
export const throughputBucketsMax = 3_600;

/** Hover titles and labels built from data are cut to these lengths (with an ellipsis). */
export const titleCharsMax = 240;
export const valueCharsMax = 80;
export const witnessLabelCharsMax = 60;
/** Verdict explanations longer than this are cut (the full text is in summary.json). */
export const explanationCharsMax = 20_000;

/** The witness drawing shows at most this many operations (the checker's smallest is far smaller). */
export const witnessOpsMax = 300;
