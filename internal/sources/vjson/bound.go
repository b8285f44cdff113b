package vjson // import "github.com/authtrail/authtrail/internal/sources/vjson"

// FieldsWithin reports whether n holds at most limit object fields, counted
// at every depth the way Flatten writes them: an array counts once, whatever
// it holds. Its cost is bounded by limit, not by n.
func FieldsWithin(n Node, limit int) bool {
	left := limit
	return fieldsWithin(n, &left)
}

func fieldsWithin(n Node, left *int) bool {
	for _, v := range n.Fields() {
		if *left--; *left < 0 || !fieldsWithin(v, left) {
			return false
		}
	}
	return true
}
