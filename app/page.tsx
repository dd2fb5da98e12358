import { PipelineList } from '@/components/pipelines/PipelineList';

export default function HomePage() {
  return <PipelineList />;
}
