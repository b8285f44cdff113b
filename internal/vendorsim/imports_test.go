package vendorsim

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The simulator writes each vendor's wire format on its own: importing the
// decoders it is meant to check would let a mapping bug check itself.
func TestDoesNotImportTheDecoders(t *testing.T) {
	for _, dir := range []string{".", filepath.Join("..", "..", "cmd", "authtrail-sim")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, f := range files {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			parsed, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			require.NoError(t, err)
			for _, imp := range parsed.Imports {
				path := strings.Trim(imp.Path.Value, `"`)
				require.False(t, strings.HasPrefix(path, "github.com/authtrail/authtrail/internal/sources") ||
					strings.HasPrefix(path, "github.com/authtrail/authtrail/internal/schema"),
					"%s imports %s", f, path)
			}
		}
	}
}
