"""The staff workspace: one place per municipality with a door to each module the role allows."""
