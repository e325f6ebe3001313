// Package apps answers the questions shops ask of profiles: what to recommend to a user, which
// other users look like my best customers, and who is about to leave.
//
// Item index. Every item seen in events is kept in Redis with a text embedding, its category and
// a time-decayed popularity; internal/itemindex writes it (the worker, after each fold) and
// ItemIndex reads it. The item's text is its category and title
// ("<category>. <title>", the text a click event is encoded from, so a click's vector is reused);
// an item known only from reviews without a title gets the running mean of its reviews' vectors
// instead. Popularity is a decayed counter: every interaction adds its action weight, and the sum
// halves every HalfLife. It is stored in a sorted set in a form that makes the decay implicit
// (score = log2(sum_i w_i 2^(t_i/HalfLife))): the order of the scores is the order of the
// decayed popularities at any time, so nothing has to be rewritten as time passes, and the
// popularity at time now is 2^(score - now/HalfLife). The index is bounded: itemindex.Trim evicts the
// items with the lowest decayed popularity (ZPOPMIN) when there are more than MaxItems.
//
// The index also keeps, per user, a bounded sorted set of the items the user interacted with
// (newest MaxUserItems), next to the profile in the same Redis Cluster slot, so that
// recommendations never return what the user already has; its write is fenced by the erasure
// ledger like the profile's.
//
// Co-occurrence. The index also keeps, per item, a bounded sorted set of the items most often
// interacted with by the same users (each user counts once per pair, when the second item is new
// to the user; redeliveries add nothing; erased users add nothing).
//
// Recommendations. Recommend scores the items by the cosine between the item vector and the
// user's time-decayed mean embedding, blended with a popularity prior, the user's decayed
// category affinity and the item's co-occurrence with the user's newest items, excludes the user's items, optionally filters by category and re-ranks
// for diversity with maximal marginal relevance (MMR). A user without a vector (cold start) gets
// the most popular items, and the answer says so in Source. The search is brute force over an
// in-memory copy of the item vectors refreshed every RefreshInterval: O(items x dim) per query.
//
// Look-alikes. Audiences.LookAlike returns the users whose lifetime mean embedding is closest
// (cosine) to the centroid of a set of seed users (or of a segment's members), excluding the
// seeds: a full scan of the profiles, O(users x dim) per call.
//
// Churn. ChurnScore turns a profile into the probability-like risk that the user does not come
// back within a horizon, from recency, frequency and the trend of decayed activity; the formula
// is in docs/applications.md.
package apps
