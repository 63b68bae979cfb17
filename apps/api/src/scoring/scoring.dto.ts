import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class ActivateScoringModelBody {
  @ApiProperty({
    description:
      'The scoring model as YAML or JSON text (the format of libs/scoring/models/default.yaml). A changed model needs a new `version`.',
    example: 'version: "2026.2"\nengagement:\n  call_booked: { points: 50 }\nnegative: {}\nfit: {}\nthresholds: { hot: 100, warm: 50 }\n',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(60_000)
  source!: string;
}
