package identityprocessor

import "fmt"

func fmtData(v any) string { return fmt.Sprintf("%+v", v) }
