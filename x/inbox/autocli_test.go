package inbox_test

import (
	"testing"

	"github.com/hemi-appchain/hemi/testutil/autoclitest"
	"github.com/hemi-appchain/hemi/x/inbox"
)

func TestAutoCLIOptionsMatchServices(t *testing.T) {
	autoclitest.RequireMatchesServices(t, inbox.AppModule{}.AutoCLIOptions())
}
